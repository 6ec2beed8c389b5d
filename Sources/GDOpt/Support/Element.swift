// GDOptFloat and DType are defined in GDOptElements, below the SIMD-level loop modules; every
// user of GDOpt sees them as GDOpt's.
@_exported import GDOptElements
