/**
 * An error whose message is meant for the member who ran the command. Anything else that reaches the
 * interaction error policy is a bug and is shown as a generic sentence.
 */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError';
  constructor(
    readonly userMessage: string,
    options?: { cause?: unknown },
  ) {
    super(userMessage, options);
  }
}
