import { CliError } from './errors.js';

/** `--password-stdin`: everything on stdin but one trailing newline; empty input is refused. */
export async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') throw new CliError('--password-stdin: the input was empty (pipe the password in, e.g. printf %s "$TOKEN" | par login …)', 'invalid');
  return password;
}

/**
 * Asks for the password on the terminal without echoing it (as `docker login` does); undefined
 * when stdin is not a terminal, so scripts get an error instead of a hang.
 */
export async function promptPassword(prompt: string): Promise<string | undefined> {
  const input = process.stdin;
  if (!input.isTTY) return undefined;
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (text: string) => {
        for (const char of text) {
          if (char === '\r' || char === '\n') {
            input.off('data', onData);
            return resolve(typed);
          }
          if (char === '\u0003' || char === '\u0004') {
            input.off('data', onData);
            return reject(new CliError('login cancelled; nothing was stored', 'failure'));
          }
          typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char;
        }
      };
      input.on('data', onData);
      input.resume();
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stderr.write('\n');
  }
}
