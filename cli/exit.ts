// Exit codes, the CLI's own error and progress messages: what every command needs, kept free of heavy
// imports so that `sophia --help` and the start of every command stay fast (cli/main.ts loads the rest lazily).

/** Documented in README.md ("Operations CLI"). */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  /** drift: live state differs from the stack's state */
  drift: 3,
  /** check: an integration failed its check */
  checkFailed: 4,
  /** audit: a credential is overdue for rotation */
  overdue: 5,
  /** rotate: the new credential failed its check; the previous one still works */
  rotationCheckFailed: 6,
  /** rotate: a rotation could not be carried out; its rotation config was put back as it was */
  rotationFailed: 7,
  /** drift: an integration could not be read (its vendor failed); what was read is reported, drift included */
  driftUnreadable: 8,
  /** recover: the stack's lock is held by an update that is, or may be, running; nothing was changed */
  recoverLocked: 9,
  /** recover: a step failed (the message names it); the steps before it were carried out */
  recoverFailed: 10,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.error,
  ) {
    super(message);
  }
}

export const progress = (msg: string) => {
  if (!process.env.SOPHIA_QUIET) process.stderr.write(`… ${msg}\n`);
};
