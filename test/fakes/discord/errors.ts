/** Errors answered with Discord's JSON error bodies. Handlers throw them; the server turns them into responses. */

export interface FieldError {
  code: string;
  message: string;
}

/** Discord's nested `errors` object: `{ content: { _errors: [...] }, embeds: { '0': { title: { _errors: [...] } } } }`. */
export interface ErrorTree {
  _errors?: FieldError[];
  [key: string]: ErrorTree | FieldError[] | undefined;
}

export class DiscordApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body['message'] === 'string' ? body['message'] : `HTTP ${status}`);
  }
}

function apiError(status: number, code: number, message: string): DiscordApiError {
  return new DiscordApiError(status, { message, code });
}

export const unauthorized = () => apiError(401, 0, '401: Unauthorized');
export const notFound = () => apiError(404, 0, '404: Not Found');
export const methodNotAllowed = () => apiError(405, 0, '405: Method Not Allowed');
export const unknownChannel = () => apiError(404, 10003, 'Unknown Channel');
export const unknownGuild = () => apiError(404, 10004, 'Unknown Guild');
export const unknownMember = () => apiError(404, 10007, 'Unknown Member');
export const unknownMessage = () => apiError(404, 10008, 'Unknown Message');
export const unknownUser = () => apiError(404, 10013, 'Unknown User');
export const unknownWebhook = () => apiError(404, 10015, 'Unknown Webhook');
export const unknownInteraction = () => apiError(404, 10062, 'Unknown interaction');
export const unknownCommand = () => apiError(404, 10063, 'Unknown application command');
export const notAuthorizedForApplication = () =>
  apiError(403, 20012, 'You are not authorized to perform this action on this application');
export const requestTooLarge = () => apiError(413, 40005, 'Request entity too large');
export const alreadyAcknowledged = () => apiError(400, 40060, 'Interaction has already been acknowledged.');
export const missingAccess = () => apiError(403, 50001, 'Missing Access');
export const emptyMessage = () => apiError(400, 50006, 'Cannot send an empty message');
export const invalidWebhookToken = () => apiError(401, 50027, 'Invalid Webhook Token');
export const malformedJson = () => apiError(400, 50109, 'The request body contains invalid JSON.');
/** A multipart body Discord cannot split into parts; it answers with its generic status-only error. */
export const malformedMultipart = () => apiError(400, 0, '400: Bad Request');

export function invalidFormBody(errors: ErrorTree): DiscordApiError {
  return new DiscordApiError(400, { message: 'Invalid Form Body', code: 50035, errors });
}

/** Collects field errors at dotted paths and builds Discord's nested error tree. */
export class FormErrors {
  private readonly tree: ErrorTree = {};
  private count = 0;

  add(path: readonly (string | number)[], code: string, message: string): void {
    let node = this.tree;
    for (const key of path) {
      const name = String(key);
      const child = node[name];
      if (child === undefined || Array.isArray(child)) {
        const created: ErrorTree = {};
        node[name] = created;
        node = created;
      } else {
        node = child;
      }
    }
    (node._errors ??= []).push({ code, message });
    this.count += 1;
  }

  /** Prefixes every error with `path`, as Discord does for a callback's `data`. */
  throwIfAny(path: readonly string[] = []): void {
    if (this.count === 0) return;
    let tree: ErrorTree = this.tree;
    for (const key of [...path].reverse()) tree = { [key]: tree };
    throw invalidFormBody(tree);
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }
}
