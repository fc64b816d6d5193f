package engine

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api"
)

// Sentinel errors returned by every Engine implementation. Test them with
// errors.Is; the message of the wrapping error carries the engine's text.
var (
	// ErrNotFound means the container, network, volume or image does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the name is taken or the object is in use.
	ErrConflict = errors.New("conflict")
	// ErrActiveEndpoints means a network cannot be removed because
	// containers (or stale endpoints) are still attached. It comes with
	// ErrConflict.
	ErrActiveEndpoints = errors.New("network has active endpoints")
)

// Engine is the set of engine calls the project needs. Every call that takes
// a project name only sees objects labelled with that project.
type Engine interface {
	// Ping checks that the engine answers and returns its address and API version.
	Ping(ctx context.Context) (Info, error)

	// ListContainers returns the containers labelled with f.Project, in one
	// call; an empty f.Project means the containers of every project.
	ListContainers(ctx context.Context, f Filter) ([]Container, error)
	// CreateContainer creates a container from a configuration built by
	// ContainerConfig.
	CreateContainer(ctx context.Context, spec ContainerSpec) (Container, error)
	StartContainer(ctx context.Context, id string) error
	// StopContainer sends the stop signal and kills after timeout (nil: the
	// container's own stop timeout).
	StopContainer(ctx context.Context, id string, timeout *time.Duration) error
	// RetireContainer stops a container about to be removed (down): as
	// StopContainer, leaving its networks first where the engine needs it.
	RetireContainer(ctx context.Context, id string, timeout *time.Duration) error
	KillContainer(ctx context.Context, id, signal string) error
	RemoveContainer(ctx context.Context, id string, o RemoveOptions) error
	RenameContainer(ctx context.Context, id, name string) error
	PauseContainer(ctx context.Context, id string) error
	UnpauseContainer(ctx context.Context, id string) error
	// InspectContainer returns the details a list does not carry: exit code,
	// health and its last output, start and finish times.
	InspectContainer(ctx context.Context, id string) (ContainerDetails, error)
	// WaitContainer blocks until the container is not running and returns
	// its exit code.
	WaitContainer(ctx context.Context, id string) (int, error)
	// Logs copies the container's output to stdout and stderr (demultiplexed
	// for non-TTY containers) until it ends, or ctx ends when following.
	Logs(ctx context.Context, id string, o LogOptions, stdout, stderr io.Writer) error
	// Events streams container events of f.Project until ctx ends. The error
	// channel receives at most one error, after which both channels close.
	Events(ctx context.Context, f Filter) (<-chan Event, <-chan error)

	// ListNetworks returns the networks labelled with project.
	ListNetworks(ctx context.Context, project string) ([]Network, error)
	// InspectNetwork finds a network by name or ID (used for external ones).
	InspectNetwork(ctx context.Context, name string) (Network, error)
	CreateNetwork(ctx context.Context, r NetworkRequest) (Network, error)
	RemoveNetwork(ctx context.Context, id string) error
	// ConnectNetwork connects a container to a network with the endpoint's
	// settings (its Network field is ignored).
	ConnectNetwork(ctx context.Context, network, container string, ep Endpoint) error
	// DisconnectNetwork force-disconnects a container (or a stale endpoint
	// name) from a network.
	DisconnectNetwork(ctx context.Context, network, container string) error

	// ListVolumes returns the volumes labelled with project.
	ListVolumes(ctx context.Context, project string) ([]Volume, error)
	InspectVolume(ctx context.Context, name string) (Volume, error)
	CreateVolume(ctx context.Context, r VolumeRequest) (Volume, error)
	RemoveVolume(ctx context.Context, name string) error

	// InspectImage returns ErrNotFound when the image is not present locally.
	InspectImage(ctx context.Context, ref string) (Image, error)
	// ImageIDs resolves image references to local image IDs in one list
	// call; missing ones are left out.
	ImageIDs(ctx context.Context, refs []string) (map[string]string, error)
	// APIVersion returns the API version both sides speak, negotiated with
	// the engine on the first call, which configurations are built for.
	APIVersion(ctx context.Context) (string, error)

	// Operator holds the everyday container operations (operate.go).
	Operator
	// Builder builds and pulls images (build.go).
	Builder
	// Executor runs processes in containers and attaches to them (exec.go).
	Executor
	// Copier copies files in and out of containers (copy.go).
	Copier
	// Monitor samples containers' resource usage (stats.go).
	Monitor
	// Snapshotter commits, exports and diffs containers (commit.go).
	Snapshotter
	// Publisher pushes images to registries (push.go).
	Publisher
	// Pruner finds and removes a project's images (prune.go).
	Pruner
}

// Prober is implemented by engines that can tell, without a call, whether
// they still take connections (Docker.Reachable).
type Prober interface {
	Reachable(ctx context.Context) error
}

// Info describes the engine a client talks to.
type Info struct {
	Host          string // the address used, e.g. unix:///var/run/docker.sock
	APIVersion    string // negotiated API version
	ServerVersion string
}

// Filter selects objects of one project.
type Filter struct {
	Project  string
	Services []string // empty: all services
	All      bool     // include stopped containers
	OneOff   *bool    // nil: both; true: only one-off (run) containers; false: none
	// Since and Until bound Events in time (RFC 3339, a Unix timestamp or
	// a duration before now, as the engine reads them): Since replays past
	// events, and with Until the stream ends there.
	Since, Until string
}

// Port is a published or exposed container port.
type Port struct {
	HostIP        string `json:"URL,omitempty"`
	HostPort      uint16 `json:"PublishedPort"`
	ContainerPort uint16 `json:"TargetPort"`
	Protocol      string `json:"Protocol"`
}

// Container is what one list call tells about a container.
type Container struct {
	ID      string
	Name    string
	Image   string
	Project string
	Service string
	Number  int
	OneOff  bool
	State   State
	Status  string // the engine's human text, e.g. "Up 3 minutes (healthy)"
	Health  string // "", "starting", "healthy", "unhealthy"
	Created time.Time
	Labels  map[string]string
	Ports   []Port
	// Networks are the names of the networks the container is attached to.
	Networks []string
}

// ContainerDetails is the result of an inspect.
type ContainerDetails struct {
	Container
	Running  bool
	ExitCode int
	// OOMKilled tells that the kernel killed it for lack of memory.
	OOMKilled  bool
	Error      string
	StartedAt  time.Time
	FinishedAt time.Time
	// HealthOutput is the output of the last health probe.
	HealthOutput string
	TTY          bool
	// Mounts are the container's volume mounts, anonymous ones included.
	Mounts []Mount
}

// Mount is a volume or bind mount of a container.
type Mount struct {
	Type        string // volume, bind, tmpfs
	Name        string // volume name
	Source      string
	Destination string
}

// CreateRequest is everything needed to create one container of a service.
type CreateRequest struct {
	Project *types.Project
	Service types.ServiceConfig
	// Name is the container name, e.g. "shop-web-1".
	Name   string
	Number int
	OneOff bool
	// StdinOnce closes the container's standard input when the client
	// attached to it closes its end (a one-off container run with -i).
	StdinOnce bool
	// Peers maps a service name to the name of a container of it, used to
	// resolve links, volumes_from and network_mode/ipc/pid "service:X".
	Peers map[string]string
	// Labels are added to the service's own and Compose's labels.
	Labels map[string]string
	// UseAliases gives a one-off container the service's network aliases
	// (run --use-aliases); other one-off containers get none.
	UseAliases bool
}

// ContainerSpec is a container to create: its name and the configuration
// ContainerConfig built for it.
type ContainerSpec struct {
	Name   string
	Config CreateConfig
	// Service is the service the configuration was built from; its volumes
	// say which anonymous volumes a replacement inherits.
	Service types.ServiceConfig
	// InheritVolumesFrom, when set, is the ID of a container whose anonymous
	// volumes the new one takes over (recreate).
	InheritVolumesFrom string
}

// RemoveOptions tune RemoveContainer.
type RemoveOptions struct {
	Force   bool
	Volumes bool // also remove anonymous volumes
	// Stop stops the container first, gracefully within StopTimeout (nil:
	// the container's own), as teardown does before removing.
	Stop        bool
	StopTimeout *time.Duration
	// Listed is the container as a list call saw it, when the caller has
	// it: its state and networks then need no inspect.
	Listed *Container
}

// LogOptions tune Logs.
type LogOptions struct {
	Follow     bool
	Tail       string // "all" or a number
	Since      string
	Until      string
	Timestamps bool
}

// Event is a container event from the engine.
type Event struct {
	Time      time.Time
	Action    string // create, start, die, health_status: healthy, destroy, ...
	ID        string
	Name      string
	Service   string
	Project   string
	ExitCode  string // for die
	Attribute map[string]string
}

// Network is an engine network.
type Network struct {
	ID     string
	Name   string
	Driver string
	Labels map[string]string
	// Containers are the IDs of the attached endpoints.
	Containers []string
}

// NetworkRequest creates the network Config (key Key) of a project.
type NetworkRequest struct {
	Project string
	Key     string
	Config  types.NetworkConfig
}

// Volume is an engine volume.
type Volume struct {
	Name       string
	Driver     string
	Labels     map[string]string
	Mountpoint string
}

// VolumeRequest creates the volume Config (key Key) of a project.
type VolumeRequest struct {
	Project string
	Key     string
	Config  types.VolumeConfig
}

// Image is a local image. Size and Created are filled by
// Operator.ImageDetails only.
type Image struct {
	ID      string
	Tags    []string
	Size    int64 // bytes
	Created time.Time
	// LastTagTime is when the image was last tagged here (pulled, built or
	// tagged), filled by InspectImage; zero when the engine does not know.
	LastTagTime time.Time
}

// NewestAPI is the newest engine API version this build speaks: what
// configurations are checked against when no engine is asked (stack config).
const NewestAPI = api.DefaultVersion
