import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { FormErrors } from './errors.js';

/**
 * Discord's own OpenAPI description (discord/discord-api-spec, specs/openapi.json at commit
 * 74fda0fad044407ea280043a03ffc9bc64c4e49e, 2026-07-18), vendored as test data.
 */
const SPEC_FILE = new URL('./spec/openapi.json', import.meta.url);
const SPEC_ID = 'discord-openapi';

/** A request body the real Discord would refuse, by its published request schema. */
export interface SpecViolation {
  method: string;
  path: string;
  /** The spec's path template, e.g. `/interactions/{interaction_id}/{interaction_token}/callback`. */
  operation: string;
  /** JSON pointer into the body, e.g. `/data/embeds/0/title`. */
  pointer: string;
  value: unknown;
  message: string;
}

interface Operation {
  method: string;
  template: string;
  segments: string[];
  literalSegments: number;
  pointer: string;
}

interface SpecDocument {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>>;
}

/**
 * Checks REST bodies against the request-body schemas of Discord's OpenAPI description. The spec is read
 * and each operation's validator compiled on first use; one instance serves every fake in a process.
 */
export class SpecConformance {
  private readonly ajv: Ajv2020;
  private readonly operations: Operation[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(spec: SpecDocument = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as SpecDocument) {
    // The spec uses OpenAPI's own keywords (discriminator, x-discord-…) and formats such as snowflake and int64.
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    this.ajv.addSchema(spec as object, SPEC_ID);
    for (const [template, methods] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (operation.requestBody?.content?.['application/json'] === undefined) continue;
        const segments = template.split('/').filter(Boolean);
        this.operations.push({
          method: method.toUpperCase(),
          template,
          segments,
          literalSegments: segments.filter((segment) => !segment.startsWith('{')).length,
          pointer: `${SPEC_ID}#/paths/${escapePointer(template)}/${method}/requestBody/content/application~1json/schema`,
        });
      }
    }
  }

  /** Violations of `body` (the JSON body, or a multipart body's payload_json) for this request; [] when it conforms or the spec has no schema for it. */
  check(method: string, segments: readonly string[], body: unknown): SpecViolation[] {
    const operation = this.operationFor(method, segments);
    if (operation === undefined) return [];
    const validate = this.validatorFor(operation);
    if (validate(body)) return [];
    return describe(validate.errors ?? [], body)
      .filter((error) => !SPEC_GAPS.some((gap) => gap.pointer.test(error.pointer) && gap.accepts(error.value)))
      .map((error) => ({
      method,
      path: `/${segments.join('/')}`,
      operation: operation.template,
      ...error,
    }));
  }

  /** Compiles the validator for such a request now, so that the first one does not wait for it. */
  prepare(method: string, segments: readonly string[]): void {
    const operation = this.operationFor(method, segments);
    if (operation !== undefined) this.validatorFor(operation);
  }

  private operationFor(method: string, segments: readonly string[]): Operation | undefined {
    let best: Operation | undefined;
    for (const operation of this.operations) {
      if (operation.method !== method || operation.segments.length !== segments.length) continue;
      const matches = operation.segments.every((part, index) => part.startsWith('{') || part === segments[index]);
      if (matches && (best === undefined || operation.literalSegments > best.literalSegments)) best = operation;
    }
    return best;
  }

  private validatorFor(operation: Operation): ValidateFunction {
    let validate = this.validators.get(operation.pointer);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: operation.pointer });
      this.validators.set(operation.pointer, validate);
    }
    return validate;
  }
}

/**
 * The few places where the published schema is narrower than what Discord documents and accepts; each is
 * as narrow as possible and says why.
 */
const SPEC_GAPS: ReadonlyArray<{ pointer: RegExp; accepts: (value: unknown) => boolean; why: string }> = [
  {
    pointer: /\/default_member_permissions$/,
    accepts: (value) => typeof value === 'string' && /^\d+$/.test(value),
    why: 'Discord documents permissions as a bitfield serialized as a string (discord-api-types: string | null); the spec says integer',
  },
];

/**
 * Requests timed against Discord's deadlines. The interaction callback's validator takes about a second of
 * CPU to compile (more on a busy machine); compiled on first use, inside the request, it was counted in the
 * bot's 3 s acknowledgement, and a loaded machine pushed first replies past the deadline.
 */
const TIMED_REQUESTS: ReadonlyArray<readonly [string, readonly string[]]> = [['POST', ['interactions', '0', 'token', 'callback']]];

let shared: SpecConformance | undefined;

/** The process's one checker (reading and compiling the 1 MB spec once, not once per fake). */
export function sharedSpecConformance(): SpecConformance {
  if (shared === undefined) {
    shared = new SpecConformance();
    for (const [method, segments] of TIMED_REQUESTS) shared.prepare(method, segments);
  }
  return shared;
}

function escapePointer(text: string): string {
  return text
    .split('/')
    .map((part) => encodeURIComponent(part.replaceAll('~', '~0')))
    .join('~1');
}

/**
 * The errors worth reporting: a body failing an anyOf/oneOf of message shapes fails every branch, so only
 * the deepest paths are kept (where the body really went wrong), each once.
 */
function describe(errors: readonly ErrorObject[], body: unknown): Array<{ pointer: string; value: unknown; message: string }> {
  const depth = (error: ErrorObject) => (error.instancePath === '' ? 0 : error.instancePath.split('/').length);
  const deepest = Math.max(...errors.map(depth));
  const seen = new Map<string, { pointer: string; value: unknown; message: string }>();
  for (const error of errors) {
    if (depth(error) !== deepest) continue;
    const pointer = error.instancePath || '/';
    const message = `${error.message ?? error.keyword}${error.params && Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : ''}`;
    const entry = seen.get(pointer);
    if (entry === undefined) seen.set(pointer, { pointer, value: valueAt(body, error.instancePath), message });
    else if (!entry.message.includes(message)) entry.message += `; ${message}`;
  }
  return [...seen.values()];
}

function valueAt(body: unknown, pointer: string): unknown {
  let current = body;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** One line per violation: where, which field, what value (cut short), and why. */
export function formatSpecViolations(violations: readonly SpecViolation[]): string {
  return violations
    .map((v) => {
      const value = JSON.stringify(v.value) ?? 'undefined';
      return `  ${v.method} ${v.path} (${v.operation}) at ${v.pointer}: ${v.message}; value ${value.length > 120 ? `${value.slice(0, 117)}...` : value}`;
    })
    .join('\n');
}

/** Discord's nested error tree for a 50035 answer, built from the violations' pointers. */
export function specErrorTree(violations: readonly SpecViolation[]): FormErrors {
  const errors = new FormErrors();
  for (const violation of violations) {
    const path = violation.pointer.split('/').slice(1).map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));
    errors.add(path, 'SPEC_VIOLATION', violation.message);
  }
  return errors;
}
