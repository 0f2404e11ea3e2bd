/**
 * Chunk size for reading blob files. Node's 64 KiB default made per-chunk overhead (hashing,
 * transforms, writes) dominate on large blobs; 1 MiB keeps memory flat with far fewer chunks.
 */
export const STREAM_CHUNK_SIZE = 1024 * 1024;
