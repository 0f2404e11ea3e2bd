/**
 * Chunk size for reading files and for (de)compression. Node's defaults (64 KiB reads, 16 KiB
 * zlib output) made per-chunk overhead dominate on large providers; 1 MiB halves the CPU time
 * of reading and hashing a 256 MiB archive, and memory stays flat (a few chunks in flight).
 */
export const STREAM_CHUNK_SIZE = 1024 * 1024;
