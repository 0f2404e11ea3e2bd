import { ParError } from '@par/errors';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'it already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

const ACTIONS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create the directory',
  rename: 'rename',
  scandir: 'list the directory',
  stat: 'look at',
  lstat: 'look at',
  unlink: 'remove',
  rmdir: 'remove the directory',
  copyfile: 'copy',
  access: 'access',
  chmod: 'change the mode of',
  fsync: 'flush',
};

/**
 * A file-system error that escaped (ENOENT, EISDIR, ENOTDIR, EACCES, …) as one line naming the
 * file and what par was doing — `cannot create the directory keys/x: a part of the path is not a
 * directory` — instead of Node's `ENOTDIR: not a directory, mkdir 'keys/x'`; missing is not found (2).
 */
export function fileSystemError(error: unknown): ParError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  if (code === undefined || REASONS[code] === undefined || path === undefined) return undefined;
  const action = (syscall !== undefined ? ACTIONS[syscall] : undefined) ?? syscall ?? 'use';
  const kind = code === 'ENOENT' || code === 'ENOTDIR' ? 'not_found' : 'failure';
  return new ParError(`cannot ${action} ${path}: ${REASONS[code]}`, kind, { cause: error, operation: action, reference: path });
}
