package engine

// Docker Compose's labels, so that a project started by stack is seen by
// docker compose and the other way round.
const (
	LabelProject     = "com.docker.compose.project"
	LabelService     = "com.docker.compose.service"
	LabelNumber      = "com.docker.compose.container-number"
	LabelOneOff      = "com.docker.compose.oneoff"
	LabelConfigHash  = "com.docker.compose.config-hash"
	LabelWorkingDir  = "com.docker.compose.project.working_dir"
	LabelConfigFiles = "com.docker.compose.project.config_files"
	LabelEnvFile     = "com.docker.compose.project.environment_file"
	LabelDependsOn   = "com.docker.compose.depends_on"
	LabelImage       = "com.docker.compose.image"
	LabelNetwork     = "com.docker.compose.network"
	LabelVolume      = "com.docker.compose.volume"
	LabelVersion     = "com.docker.compose.version"
	LabelReplace     = "com.docker.compose.replace"

	// LabelStackHash is stack's own versioned hash of what reaches the engine.
	LabelStackHash = "io.stack.config-hash"
)

// ComposeVersion is the value written in LabelVersion. Compose tools read it
// only for display.
const ComposeVersion = "2.40.0"
