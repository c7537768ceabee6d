@_exported import struct LetheSanitize.NwipeLog
// The engine types the interfaces need, re-exported so that the CLI and the server reach the
// engines only through `Lethe`.
@_exported import enum LetheSanitize.OverwritePattern
@_exported import struct LetheSanitize.OverwriteProgress
@_exported import class LetheSanitize.StopSignal
