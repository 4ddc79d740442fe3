// Generators of hostile inputs for the OpenAPI fuzz test (fuzz.test.ts): values of the wrong
// type, numbers outside every integer range, NUL and lone surrogates, over-long text, malformed
// JSON, wrong content types, missing bodies and mangled path segments, shaped by each operation
// of the OpenAPI document the edge serves.
import fc from 'fast-check';

export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly schema?: SchemaObject;
}

export interface SchemaObject {
  readonly type?: string;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, SchemaObject>>;
  readonly items?: SchemaObject;
  readonly $ref?: string;
}

export interface Operation {
  readonly method: string;
  /** The template, e.g. /api/posts/{post_id}. */
  readonly path: string;
  readonly parameters: readonly OpenApiParameter[];
  /** Content type -> schema of the request body, when the operation takes one. */
  readonly body: Readonly<Record<string, SchemaObject>> | undefined;
}

/** One generated request: the path already encoded, the body as sent. */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | FormData | undefined;
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Strings the services cannot or should not store, and strings that look like other types. */
const nastyString = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\u202e', 'x'.repeat(6000), '9223372036854775808', '-9223372036854775809', '18446744073709551616', '1e309', 'NaN', '-1', '0', '1.5', 'true', 'null', '{}', '[]', "' or 1=1 --", '../../etc/passwd', '<script>'),
  fc.tuple(fc.string({ maxLength: 8 }), loneSurrogate, fc.string({ maxLength: 8 })).map(([a, s, b]) => a + s + b),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 5001, maxLength: 5100 }),
);

const nastyNumber = fc.constantFrom(9223372036854775808, -9223372036854775808, 18446744073709551616, -1, 0, 1.5, -0.5, 1e300, -1e300, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, Number.MAX_SAFE_INTEGER + 2);

/** Any JSON value of any type: what a field receives when the client gets its type wrong. */
const nastyJson: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  nastyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.oneof(nastyString, nastyNumber), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), nastyString, { maxKeys: 2 }),
);

function plausible(schema: SchemaObject | undefined): fc.Arbitrary<unknown> {
  if (schema?.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  switch (schema?.type) {
    case 'integer':
      return fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }).map(String));
    case 'number':
      return fc.double({ noNaN: true, min: -10, max: 10 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(plausible(schema.items), { maxLength: 2 });
    case 'string':
      return schema.format === 'date-time' ? fc.constant('2025-11-02T09:15:00Z') : fc.string({ maxLength: 20 });
    default:
      return fc.constant({});
  }
}

/** A field's value: plausible half the time, hostile otherwise (so checks deeper in the services run too). */
function fieldValue(schema: SchemaObject | undefined): fc.Arbitrary<unknown> {
  return fc.oneof(plausible(schema), nastyJson);
}

function objectOf(schema: SchemaObject | undefined): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(schema?.properties ?? {});
  const fields = entries.map(([name, s]) => fc.option(fieldValue(s), { nil: undefined }).map((v) => [name, v] as const));
  return fc.tuple(fc.tuple(...fields), fc.dictionary(fc.string({ maxLength: 6 }), nastyJson, { maxKeys: 2 })).map(([pairs, extra]) => {
    const out: Record<string, unknown> = { ...extra };
    for (const [name, v] of pairs) if (v !== undefined) out[name] = v;
    return out;
  });
}

/** Raw path segments, some deliberately not valid percent-encoding. */
const pathSegment = fc.oneof(
  fc.constantFrom('1', '7', '0', '-1', 'abc', '9223372036854775807', '9223372036854775808', '99999999999999999999', '%00', '@%00', '%ZZ', '%E0%A4%A', '%ED%A0%80', '%F0%9F', '@', '@@x', 'a'.repeat(101), '1.5', '%20'),
  nastyString.filter((s) => s.length <= 200).map((s) => encodeURIComponent(s.isWellFormed() ? s : s.toWellFormed())),
);

const queryValue = fc.oneof(
  fc.constantFrom('%00', '%ZZ', '%ED%A0%80', '9223372036854775808', '-1', 'abc', '1.5', ''),
  fc.oneof(nastyString, nastyNumber.map(String)).map((s) => encodeURIComponent(s.isWellFormed() ? s : s.toWellFormed())),
  fc.integer({ min: 0, max: 50 }).map(String),
);

const malformedJson = fc.constantFrom('{', '{"content": ', '[1,', 'nul', '{"a":1}}', '"\\ud800"', '{"content":"\\u0000"}', '\u0000', '{"content":"x"', "{'content':'x'}", ' ', '1e999999', '[]', '"text"', 'true');

const contentType = fc.constantFrom('application/json', 'application/json', 'text/plain;charset=UTF-8', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data', 'image/png', undefined);

function formOf(schema: SchemaObject | undefined): fc.Arbitrary<FormData> {
  const names = [...Object.keys(schema?.properties ?? {}), 'other'];
  return fc
    .array(fc.tuple(fc.constantFrom(...names), fc.boolean(), fc.uint8Array({ maxLength: 64 }), nastyString.filter((s) => s.length < 100)), { maxLength: 3 })
    .map((parts) => {
      const form = new FormData();
      for (const [name, asFile, bytes, text] of parts) {
        if (asFile) form.append(name, new Blob([bytes], { type: 'image/png' }), 'x.png');
        else form.append(name, text.isWellFormed() ? text : text.toWellFormed());
      }
      return form;
    });
}

function bodyOf(op: Operation): fc.Arbitrary<{ body: string | FormData | undefined; type: string | undefined }> {
  const multipart = op.body?.['multipart/form-data'];
  if (multipart !== undefined) {
    return fc.oneof(
      formOf(multipart).map((body) => ({ body, type: undefined })),
      fc.tuple(malformedJson, contentType).map(([body, type]) => ({ body, type })),
    );
  }
  const schema = op.body?.['application/json'];
  return fc.oneof(
    fc.tuple(objectOf(schema), contentType).map(([o, type]) => ({ body: JSON.stringify(o), type })),
    fc.tuple(nastyJson, contentType).map(([v, type]) => ({ body: JSON.stringify(v), type })),
    fc.tuple(malformedJson, contentType).map(([body, type]) => ({ body, type })),
    fc.constant({ body: undefined, type: 'application/json' }),
  );
}

export type Credential = 'none' | 'valid' | 'garbage' | 'null';

/** Requests for one operation; `token` is a live access token for the `valid` credential. */
export function requestsFor(op: Operation, token: () => string): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const path = fc.tuple(...pathParams.map((p) => fc.oneof(plausible(p.schema).map((v) => encodeURIComponent(String(v))), pathSegment))).map((values) => {
    let filled = op.path;
    pathParams.forEach((p, i) => (filled = filled.replace(`{${p.name}}`, values[i] ?? '')));
    return filled;
  });
  const query = fc
    .tuple(
      fc.tuple(...queryParams.map((p) => fc.option(fc.oneof(plausible(p.schema).map((v) => encodeURIComponent(String(v))), queryValue), { nil: undefined }))),
      fc.option(fc.tuple(fc.constantFrom('x', 'id', 'memberId', 'a%00'), queryValue), { nil: undefined }),
    )
    .map(([values, extra]) => {
      const pairs = queryParams.flatMap((p, i) => (values[i] === undefined ? [] : [`${encodeURIComponent(p.name)}=${values[i]}`]));
      if (extra !== undefined) pairs.push(`${extra[0]}=${extra[1]}`);
      return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
    });
  const credential = fc.constantFrom<Credential>('none', 'valid', 'valid', 'garbage', 'null');
  const idempotencyKey = fc.option(fc.oneof(fc.constantFrom('k-1', 'a b', 'x'.repeat(201)), fc.string({ unit: 'binary-ascii', maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s))), { nil: undefined });
  const body = op.body === undefined ? fc.constant({ body: undefined, type: undefined }) : bodyOf(op);
  return fc.tuple(path, query, credential, idempotencyKey, body).map(([p, q, cred, key, b]) => {
    const headers: Record<string, string> = {};
    if (cred === 'valid') headers['authorization'] = `Bearer ${token()}`;
    if (cred === 'garbage') headers['authorization'] = 'Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln';
    if (cred === 'null') headers['authorization'] = 'Bearer null';
    if (key !== undefined) headers['idempotency-key'] = key.trim() === '' ? 'k' : key.trim();
    if (b.type !== undefined) headers['content-type'] = b.type;
    return { method: op.method, path: `${p}${q}`, headers, body: b.body };
  });
}

/** Every operation of an OpenAPI 3 document, with body schemas resolved one $ref deep. */
export function operationsOf(doc: { paths: Record<string, Record<string, unknown>>; components?: { schemas?: Record<string, SchemaObject> } }): Operation[] {
  const schemas = doc.components?.schemas ?? {};
  const resolve = (s: SchemaObject | undefined): SchemaObject | undefined => (s?.$ref === undefined ? s : schemas[s.$ref.replace('#/components/schemas/', '')]);
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(methods)) {
      const op = raw as { parameters?: OpenApiParameter[]; requestBody?: { content?: Record<string, { schema?: SchemaObject }> } };
      const content = op.requestBody?.content;
      const body = content === undefined ? undefined : Object.fromEntries(Object.entries(content).map(([type, c]) => [type, resolve(c.schema) ?? {}]));
      ops.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], body });
    }
  }
  return ops;
}
