/**
 * Everything par prints passes through here: text that came from a registry or an archive
 * (error messages, tags, claims) is untrusted, and any message may quote a credential (a URL with
 * `user:password@`, a registry echoing our Authorization header). One place, so no message can
 * forget it.
 */

const REDACTED = '[redacted]';

/** Secret values of this run (passwords, tokens, their Basic encodings), removed wherever they show up. */
const secrets = new Set<string>();

/** Remembers a credential of this run so that no output ever shows it, whatever quotes it. */
export function rememberSecret(username: string | undefined, password: string | undefined): void {
  if (password === undefined || password.length < 4) return;
  secrets.add(password);
  if (username !== undefined) secrets.add(Buffer.from(`${username}:${password}`).toString('base64'));
}

const PATTERNS: [RegExp, string][] = [
  // `https://user:password@host` (and `user@host`): the userinfo of any URL.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi, `$1${REDACTED}@`],
  // `user:password@host[:port]` written without a scheme (not `repo:tag@sha256:<hex>`: no port is 64 digits long).
  [/(^|[\s"'(=<])[^\s/@"'():<>]+:[^\s/@"'<>]+@(?=(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:[/"'\s)>]|$))/g, `$1${REDACTED}@`],
  // An Authorization header quoted back, with or without its scheme.
  [/(authorization["']?\s*[:=]\s*["']?)(?:(?:basic|bearer)\s+)?[^\s"',;]+/gi, `$1${REDACTED}`],
];

/** `Basic <base64>` / `Bearer <token>` anywhere; an English word after "basic" is not a credential. */
const SCHEME_VALUE = /\b(basic|bearer)\s+([A-Za-z0-9+/=._~-]{8,})/gi;

function looksLikeCredential(value: string): boolean {
  return /[0-9+/=._~-]/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value.slice(1)));
}

/** Removes credentials: URL userinfo, Authorization values, and the secrets of this run. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out.replace(SCHEME_VALUE, (match, scheme: string, value: string) => (looksLikeCredential(value) ? `${scheme} ${REDACTED}` : match));
}

/**
 * C0 and C1 controls, DEL, and the Unicode characters that move or reorder text (line and
 * paragraph separators, bidirectional overrides): what lets a string rewrite a terminal line or fake one.
 */
// Matching control characters is the point of these two expressions.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeControl(character: string): string {
  const code = character.charCodeAt(0);
  if (character === '\n') return '\\n';
  if (character === '\r') return '\\r';
  if (character === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of untrusted text made safe to print: control characters shown as escapes (`\x1b`, `\n`). */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, escapeControl);
}

/** A whole block of output (a table, a list): its own line breaks kept, every other control escaped. */
export function terminalSafeBlock(text: string): string {
  return text.replace(CONTROL_BUT_NEWLINE, escapeControl);
}

/** A message for the terminal: one line, no credential, no control character. */
export function safeLine(text: string): string {
  return terminalSafe(redactSecrets(text));
}
