package engine

// Builder is the part of Engine that builds and pulls images.
type Builder interface {
}
