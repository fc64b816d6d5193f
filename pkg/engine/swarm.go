package engine

import (
	"context"
	"time"
)

// This file holds the Swarm interface and the plain values it speaks in:
// the service spec `stack deploy` builds, and what a swarm manager reports
// about services, tasks, nodes and swarm objects. No Docker SDK type
// leaves this package; swarm_convert.go maps these values onto the SDK's.

// Labels that docker stack uses, so that `docker stack ls/ps/services/rm`
// see a project deployed by stack.
const (
	// LabelStackNamespace names the project of a service, network, secret,
	// config or volume on a swarm, and is carried by every task container.
	LabelStackNamespace = "com.docker.stack.namespace"
	// LabelStackImage is the image of a service as the stack file names it,
	// before it is pinned to a digest.
	LabelStackImage = "com.docker.stack.image"
)

// Swarm is the set of calls that `stack deploy` and the swarm verbs make
// to the engine of a swarm manager. *Docker implements it. Calls that take
// a namespace see only objects labelled with LabelStackNamespace=namespace.
type Swarm interface {
	// SwarmInfo tells whether the engine is part of a swarm and a manager.
	SwarmInfo(ctx context.Context) (SwarmInfo, error)
	ListNodes(ctx context.Context) ([]Node, error)

	// ListServices returns the services of namespace with their task counts.
	ListServices(ctx context.Context, namespace string) ([]Service, error)
	CreateService(ctx context.Context, s ServiceSpec, o ServiceOptions) (id string, warnings []string, err error)
	// UpdateService replaces the spec of current (at its version) with s.
	UpdateService(ctx context.Context, current Service, s ServiceSpec, o ServiceOptions) (warnings []string, err error)
	// ScaleService sets the replicas of a replicated service, keeping the
	// rest of its spec.
	ScaleService(ctx context.Context, id string, replicas uint64) error
	RemoveService(ctx context.Context, id string) error
	ListTasks(ctx context.Context, f TaskFilter) ([]Task, error)
	// ServiceLogs calls line for each line the service's tasks wrote,
	// in the order the engine sends them, until the logs end (or ctx
	// ends when following).
	ServiceLogs(ctx context.Context, service string, o LogOptions, line func(ServiceLogLine)) error

	ListStackNetworks(ctx context.Context, namespace string) ([]Network, error)
	// SwarmNetworkScope returns the scope of the network name ("swarm" for
	// one every node can join); ErrNotFound when there is none.
	SwarmNetworkScope(ctx context.Context, name string) (string, error)
	CreateOverlayNetwork(ctx context.Context, n OverlayNetwork) (Network, error)
	ListStackVolumes(ctx context.Context, namespace string) ([]Volume, error)

	// ListSecrets returns the secrets of f.Namespace, or those named in
	// f.Names; ListConfigs the same for configs.
	ListSecrets(ctx context.Context, f ObjectFilter) ([]SwarmObject, error)
	CreateSecret(ctx context.Context, o ObjectSpec) (string, error)
	RemoveSecret(ctx context.Context, id string) error
	ListConfigs(ctx context.Context, f ObjectFilter) ([]SwarmObject, error)
	CreateConfig(ctx context.Context, o ObjectSpec) (string, error)
	RemoveConfig(ctx context.Context, id string) error

	// ResolveImage asks the manager for the digest of ref in its registry
	// and returns ref pinned to it ("name:tag@sha256:...").
	ResolveImage(ctx context.Context, ref, auth string) (string, error)
	// PushImage pushes ref to its registry and returns the digest pushed.
	PushImage(ctx context.Context, ref, auth string, progress func(line string)) (digest string, err error)
	// SwarmEvents streams service and node events until ctx ends: they
	// only say "look again", the engine has no task events.
	SwarmEvents(ctx context.Context) (<-chan SwarmEvent, <-chan error)
}

// SwarmInfo is what an engine says of its swarm.
type SwarmInfo struct {
	// State is the node's swarm state: inactive, pending, active, error,
	// locked.
	State    string
	Manager  bool // the engine can take swarm management calls
	NodeID   string
	NodeAddr string
	Nodes    int
	Managers int
	Error    string
}

// Node is one node of the swarm.
type Node struct {
	ID            string
	Hostname      string
	Addr          string
	Role          string // manager, worker
	State         string // ready, down, unknown, disconnected
	Availability  string // active, pause, drain
	Leader        bool
	EngineVersion string
	Labels        map[string]string
}

// Service modes.
const (
	ModeReplicated    = "replicated"
	ModeGlobal        = "global"
	ModeReplicatedJob = "replicated-job"
	ModeGlobalJob     = "global-job"
)

// ServiceSpec is a swarm service as stack deploys it. Its JSON form is
// what stack hashes to tell whether a service changed, so every field that
// reaches the engine is in it, and nothing else.
type ServiceSpec struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
	// Mode is one of the Mode constants.
	Mode string `json:"mode"`
	// Replicas is the number of tasks of a replicated service, or the
	// completions of a replicated job; nil lets the engine choose (1).
	Replicas *uint64 `json:"replicas,omitempty"`
	// MaxConcurrent bounds the tasks of a replicated job run at once.
	MaxConcurrent *uint64 `json:"max_concurrent,omitempty"`

	Container TaskContainer  `json:"container"`
	Resources *Resources     `json:"resources,omitempty"`
	Restart   *RestartPolicy `json:"restart,omitempty"`
	Placement *Placement     `json:"placement,omitempty"`
	LogDriver *LogDriver     `json:"log_driver,omitempty"`

	Networks []NetworkAttachment `json:"networks,omitempty"`
	// EndpointMode is vip or dnsrr; "" lets the engine choose (vip).
	EndpointMode string       `json:"endpoint_mode,omitempty"`
	Ports        []PortConfig `json:"ports,omitempty"`

	Update   *UpdateConfig `json:"update_config,omitempty"`
	Rollback *UpdateConfig `json:"rollback_config,omitempty"`
}

// TaskContainer is the container every task of a service runs.
type TaskContainer struct {
	Image           string            `json:"image"`
	Labels          map[string]string `json:"labels,omitempty"`
	Command         []string          `json:"command,omitempty"` // the entrypoint
	Args            []string          `json:"args,omitempty"`    // the command
	Hostname        string            `json:"hostname,omitempty"`
	Env             []string          `json:"env,omitempty"`
	Dir             string            `json:"dir,omitempty"`
	User            string            `json:"user,omitempty"`
	Groups          []string          `json:"groups,omitempty"`
	Init            *bool             `json:"init,omitempty"`
	StopSignal      string            `json:"stop_signal,omitempty"`
	StopGracePeriod *time.Duration    `json:"stop_grace_period,omitempty"`
	TTY             bool              `json:"tty,omitempty"`
	OpenStdin       bool              `json:"open_stdin,omitempty"`
	ReadOnly        bool              `json:"read_only,omitempty"`
	Mounts          []ServiceMount    `json:"mounts,omitempty"`
	Healthcheck     *Healthcheck      `json:"healthcheck,omitempty"`
	Hosts           []string          `json:"hosts,omitempty"` // "IP name..." lines
	DNS             *DNSConfig        `json:"dns,omitempty"`
	Secrets         []FileRef         `json:"secrets,omitempty"`
	Configs         []FileRef         `json:"configs,omitempty"`
	Isolation       string            `json:"isolation,omitempty"`
	Sysctls         map[string]string `json:"sysctls,omitempty"`
	CapAdd          []string          `json:"cap_add,omitempty"`
	CapDrop         []string          `json:"cap_drop,omitempty"`
	Ulimits         []Ulimit          `json:"ulimits,omitempty"`
}

// ServiceMount is a volume, bind or tmpfs mount of a task's container. For Type
// "volume" with a Source, the Volume fields create the volume on the node
// that runs the task, if it does not exist there.
type ServiceMount struct {
	Type     string `json:"type"` // volume, bind, tmpfs, npipe
	Source   string `json:"source,omitempty"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"read_only,omitempty"`

	VolumeNoCopy     bool              `json:"volume_nocopy,omitempty"`
	VolumeSubpath    string            `json:"volume_subpath,omitempty"`
	VolumeLabels     map[string]string `json:"volume_labels,omitempty"`
	VolumeDriver     string            `json:"volume_driver,omitempty"`
	VolumeDriverOpts map[string]string `json:"volume_driver_opts,omitempty"`

	BindPropagation string `json:"bind_propagation,omitempty"`

	TmpfsSize int64  `json:"tmpfs_size,omitempty"`
	TmpfsMode uint32 `json:"tmpfs_mode,omitempty"`
}

// Healthcheck is a container health check; Test is in the engine's form
// (["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]).
type Healthcheck struct {
	Test          []string      `json:"test,omitempty"`
	Interval      time.Duration `json:"interval,omitempty"`
	Timeout       time.Duration `json:"timeout,omitempty"`
	StartPeriod   time.Duration `json:"start_period,omitempty"`
	StartInterval time.Duration `json:"start_interval,omitempty"`
	Retries       int           `json:"retries,omitempty"`
}

// DNSConfig is the resolver configuration of a task's container.
type DNSConfig struct {
	Nameservers []string `json:"nameservers,omitempty"`
	Search      []string `json:"search,omitempty"`
	Options     []string `json:"options,omitempty"`
}

// FileRef puts a secret or config into a task's container as a file.
type FileRef struct {
	// Name is the swarm object's name. ID is filled just before the spec
	// is sent, once the object exists; it is not part of the hash.
	Name   string `json:"name"`
	ID     string `json:"-"`
	Target string `json:"target"`
	UID    string `json:"uid"`
	GID    string `json:"gid"`
	Mode   uint32 `json:"mode"`
}

// Ulimit is one resource limit of a task's container.
type Ulimit struct {
	Name string `json:"name"`
	Soft int64  `json:"soft"`
	Hard int64  `json:"hard"`
}

// Resources are the limits and reservations of each task.
type Resources struct {
	LimitNanoCPUs    int64             `json:"limit_nano_cpus,omitempty"`
	LimitMemory      int64             `json:"limit_memory,omitempty"`
	LimitPids        int64             `json:"limit_pids,omitempty"`
	ReserveNanoCPUs  int64             `json:"reserve_nano_cpus,omitempty"`
	ReserveMemory    int64             `json:"reserve_memory,omitempty"`
	ReserveResources []GenericResource `json:"reserve_generic,omitempty"`
}

// GenericResource is a discrete resource a task reserves on its node.
type GenericResource struct {
	Kind  string `json:"kind"`
	Value int64  `json:"value"`
}

// RestartPolicy says when the swarm replaces a task that ended.
type RestartPolicy struct {
	Condition   string         `json:"condition,omitempty"` // none, on-failure, any
	Delay       *time.Duration `json:"delay,omitempty"`
	MaxAttempts *uint64        `json:"max_attempts,omitempty"`
	Window      *time.Duration `json:"window,omitempty"`
}

// Placement says on which nodes tasks may run.
type Placement struct {
	Constraints []string `json:"constraints,omitempty"`
	// Spread are the descriptors tasks are spread evenly over, in order
	// (e.g. "node.labels.zone").
	Spread      []string   `json:"spread,omitempty"`
	MaxReplicas uint64     `json:"max_replicas_per_node,omitempty"`
	Platforms   []Platform `json:"platforms,omitempty"`
}

// Platform is an OS and architecture a task may run on.
type Platform struct {
	OS           string `json:"os,omitempty"`
	Architecture string `json:"architecture,omitempty"`
}

// LogDriver is the log driver of the task containers.
type LogDriver struct {
	Name    string            `json:"name"`
	Options map[string]string `json:"options,omitempty"`
}

// NetworkAttachment joins a service to a network by name.
type NetworkAttachment struct {
	Target     string            `json:"target"`
	Aliases    []string          `json:"aliases,omitempty"`
	DriverOpts map[string]string `json:"driver_opts,omitempty"`
}

// PortConfig publishes a port of a service: Mode "ingress" through the
// routing mesh on every node, "host" on the nodes that run a task.
// Published 0 lets the engine choose.
type PortConfig struct {
	Protocol  string `json:"protocol"`
	Target    uint32 `json:"target"`
	Published uint32 `json:"published,omitempty"`
	Mode      string `json:"mode"`
}

// UpdateConfig tunes a rolling update or a rollback.
type UpdateConfig struct {
	Parallelism     uint64        `json:"parallelism"`
	Delay           time.Duration `json:"delay,omitempty"`
	FailureAction   string        `json:"failure_action,omitempty"`
	Monitor         time.Duration `json:"monitor,omitempty"`
	MaxFailureRatio float32       `json:"max_failure_ratio,omitempty"`
	Order           string        `json:"order,omitempty"`
}

// ServiceOptions tune CreateService and UpdateService.
type ServiceOptions struct {
	// RegistryAuth is the encoded credential the nodes pull with ("" for
	// none), see RegistryAuth.
	RegistryAuth string
}

// Service is a swarm service as a list call reports it.
type Service struct {
	ID      string
	Version uint64
	Name    string
	Labels  map[string]string
	// Image is the image the service runs, pinned to a digest when it was
	// resolved.
	Image    string
	Mode     string
	Replicas *uint64
	// RestartCondition is none, on-failure or any ("" for the default,
	// any).
	RestartCondition string
	// Running, Desired and Completed count the service's tasks.
	Running, Desired, Completed uint64
	// UpdateState is the state of the last update ("" for none): updating,
	// paused, completed, rollback_started, rollback_paused,
	// rollback_completed; UpdateMessage says why.
	UpdateState   string
	UpdateMessage string
	Ports         []PortConfig
	// Secrets and Configs are the names of the objects the service uses;
	// Networks the IDs (or names) of its networks.
	Secrets, Configs, Networks []string
	// ForceUpdate is the counter that forces a redeploy when raised; an
	// update keeps it.
	ForceUpdate uint64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Task states of a swarm task, in the order a task goes through them.
const (
	TaskNew       = "new"
	TaskPending   = "pending"
	TaskAssigned  = "assigned"
	TaskAccepted  = "accepted"
	TaskPreparing = "preparing"
	TaskStarting  = "starting"
	TaskRunning   = "running"
	TaskComplete  = "complete"
	TaskShutdown  = "shutdown"
	TaskFailed    = "failed"
	TaskRejected  = "rejected"
	TaskRemove    = "remove"
	TaskOrphaned  = "orphaned"
)

// Task is one task of a service: a container on a node, or the attempt to
// make one.
type Task struct {
	ID        string
	ServiceID string
	// Slot is the replica number of a replicated service (0 for global).
	Slot         int
	NodeID       string
	DesiredState string
	State        string
	Message      string
	Err          string
	ExitCode     int
	ContainerID  string
	Image        string
	// Ports are the host ports a task publishes in host mode.
	Ports []PortConfig
	// Volumes are the named volumes the task mounts (on its node).
	Volumes   []string
	CreatedAt time.Time
	// UpdatedAt is when the task last changed state.
	UpdatedAt time.Time
}

// TaskFilter selects tasks.
type TaskFilter struct {
	Namespace string
	// ServiceIDs selects the tasks of these services only.
	ServiceIDs []string
	// UpToDate keeps only tasks that run their service's current spec.
	UpToDate bool
	// DesiredState keeps only tasks with this desired state.
	DesiredState string
}

// ServiceLogLine is one line of a service's log.
type ServiceLogLine struct {
	Time   time.Time
	TaskID string
	NodeID string
	Stream string // stdout or stderr
	Text   string
}

// OverlayNetwork is a swarm-scoped network to create.
type OverlayNetwork struct {
	Name       string
	Labels     map[string]string
	Driver     string // "" means overlay
	Options    map[string]string
	Internal   bool
	Attachable bool
	EnableIPv6 bool
	IPAMDriver string
	IPAM       []IPAMPool
}

// IPAMPool is one address pool of a network.
type IPAMPool struct {
	Subnet  string
	IPRange string
	Gateway string
}

// ObjectFilter selects secrets or configs: those of Namespace, or those
// named in Names.
type ObjectFilter struct {
	Namespace string
	Names     []string
}

// SwarmObject is a secret or config as a list reports it (never its data).
type SwarmObject struct {
	ID        string
	Name      string
	Labels    map[string]string
	CreatedAt time.Time
}

// ObjectSpec is a secret or config to create.
type ObjectSpec struct {
	Name   string
	Labels map[string]string
	Data   []byte
	// Driver is a secret store plugin (secrets only); TemplateDriver
	// renders the data as a template on each node.
	Driver         string
	DriverOptions  map[string]string
	TemplateDriver string
}

// SwarmEvent is a service or node event.
type SwarmEvent struct {
	Type   string // service, node
	Action string // create, update, remove
	ID     string
	Name   string
}
