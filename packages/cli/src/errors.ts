/**
 * A mistake in how the command was called (unknown flag, missing value, unreadable file, bad
 * JSON): reported in one line, exit code 2. Messages never contain a secret or a token.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The command whose `--help` the message points to, if any. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** Exit codes of the `tokengate` binary. */
export const EXIT = {
  /** The command did what was asked (a token verified, decoded, signed, a key made). */
  ok: 0,
  /** The token is not acceptable (verification failed, or it cannot be decoded). */
  failed: 1,
  /** The command line is wrong: unknown flag, missing value, unreadable file, bad JSON. */
  usage: 2,
} as const;
