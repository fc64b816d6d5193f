// Package project loads stack files into the Compose project model.
//
// A stack file is a Compose Specification file. Load finds the files (-f,
// COMPOSE_FILE or the default names in the working directory and its
// parents), builds the environment (process environment plus .env or
// --env-file), picks the project name and profiles, and hands everything to
// compose-go's loader, which does interpolation, env_file resolution,
// extends, include, merging of several files and consistency checks.
//
// On top of compose-go, the package validates stack's own extensions
// (x-link-priority, x-schedule, x-on, x-restart-on-unhealthy) and turns loader errors into *Error values
// that say which file, service and key are wrong.
package project
