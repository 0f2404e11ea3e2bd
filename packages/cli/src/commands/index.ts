import type { CommandModule } from 'yargs';
import type { GlobalOptions } from '../output.js';
import { createCommand } from './create.js';
import { inspectCommand } from './inspect.js';
import { insertCommand } from './insert.js';
import { verifyCommand } from './verify.js';
import { keysCommand } from './keys.js';
import { pushCommand } from './push.js';
import { pullCommand } from './pull.js';
import { tagsCommand } from './tags.js';
import { resolveCommand } from './resolve.js';
import { loginCommand, logoutCommand } from './login.js';
import { copyCommand } from './copy.js';
import { promoteCommand } from './promote.js';

// Each command module is small and loads its libraries only when it runs, so start-up stays fast.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<GlobalOptions, any>[] = [
  createCommand,
  inspectCommand,
  insertCommand,
  verifyCommand,
  keysCommand,
  pushCommand,
  pullCommand,
  copyCommand,
  promoteCommand,
  tagsCommand,
  resolveCommand,
  loginCommand,
  logoutCommand,
];
