// FAKE — NOT TYPESENSE. A small in-memory stand-in for the Typesense HTTP endpoints search-svc's
// Typesense adapter uses, for tests only, because no Typesense server can run on this machine.
// Written from Typesense's documented API (typesense.org/docs, API reference: collections,
// documents, search, health), implementing the semantics the adapter relies on for real — no
// canned answers:
//   GET  /health
//   GET  /collections/:name                     404 when missing
//   POST /collections                           {name, fields}; 409 when it exists
//   GET  /collections/:c/documents/:id          404 when missing
//   POST /collections/:c/documents?action=upsert   one JSON document, checked against the schema
//   PATCH /collections/:c/documents?filter_by=  update by filter: merges the body into every match
//   GET  /collections/:c/documents/search       q, query_by, filter_by, sort_by, page, per_page,
//                                               facet_by, max_facet_values, include_fields, infix, prefix
// Every request needs the X-TYPESENSE-API-KEY header (401 otherwise).
// Matching: q `*` matches every document; otherwise the text of query_by and of q is split into
// lower-case words (letters and digits) and EVERY query word must match a document word — equal,
// or a prefix when prefix=true, or anywhere inside it when infix=always (the adapter asks for no
// typos and no dropped words, so those are not modelled). filter_by: clauses joined by `&&`, each
// `field:=value`, `field:value` or `field:=[v1,v2]` (numbers, true/false, bare strings).
// sort_by: up to three `field:asc|desc`. Paging: page from 1, per_page 0..250; `found` counts every
// match. Facets count the values of a field over every match (not just the page).
// What it does not do: relevance ranking, typo tolerance, other filter operators, import, API keys.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Value = string | number | boolean;
type Doc = Record<string, Value>;
interface Field {
  name: string;
  type: string;
  optional?: boolean;
}
interface Collection {
  name: string;
  fields: Field[];
  docs: Map<string, Doc>;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface FakeTypesense {
  readonly url: string;
  readonly apiKey: string;
  /** Requests served, by "METHOD /path-without-query" (for assertions on what the adapter did). */
  readonly requests: string[];
  /** Stops listening: later calls are refused, as when Typesense is down. */
  close(): Promise<void>;
}

const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'int32':
    case 'int64':
      return typeof v === 'number' && Number.isInteger(v);
    case 'bool':
      return typeof v === 'boolean';
    default:
      return false;
  }
}

function checkDoc(c: Collection, doc: unknown): Doc {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new HttpError(400, 'Bad JSON.');
  const d = doc as Record<string, unknown>;
  if (typeof d['id'] !== 'string' || d['id'] === '') throw new HttpError(400, 'Document `id` must be a non-empty string.');
  for (const f of c.fields) {
    const v = d[f.name];
    if (v === undefined || v === null) {
      if (!f.optional) throw new HttpError(400, `Field \`${f.name}\` has been declared in the schema, but is not found in the document.`);
    } else if (!typeOk(f.type, v)) {
      throw new HttpError(400, `Field \`${f.name}\` must be ${f.type}.`);
    }
  }
  return d as Doc;
}

function parseValue(raw: string): Value {
  const s = raw.trim().replace(/^`(.*)`$/, '$1');
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

function compileFilter(c: Collection, filter: string | null): (d: Doc) => boolean {
  if (filter === null || filter.trim() === '') return () => true;
  const clauses = filter.split('&&').map((clause) => {
    const m = /^\s*([A-Za-z_][\w]*)\s*:(=?)\s*(.+?)\s*$/.exec(clause);
    if (!m) throw new HttpError(400, `Could not parse the filter query: \`${clause.trim()}\`.`);
    const [, field, , rawValue] = m as unknown as [string, string, string, string];
    if (field !== 'id' && !c.fields.some((f) => f.name === field)) throw new HttpError(404, `Could not find a filter field named \`${field}\` in the schema.`);
    const list = /^\[(.*)\]$/.exec(rawValue);
    const values = list ? list[1]!.split(',').filter((v) => v.trim() !== '').map(parseValue) : [parseValue(rawValue)];
    return (d: Doc) => {
      const v = d[field];
      return v !== undefined && values.some((want) => want === v || (typeof v === 'string' && typeof want === 'number' && String(want) === v));
    };
  });
  return (d) => clauses.every((match) => match(d));
}

function compileQuery(q: string, queryBy: string | null, infix: string | null, prefix: string | null): (d: Doc) => boolean {
  if (q === '*') return () => true;
  if (!queryBy) throw new HttpError(400, 'Parameter `query_by` is required.');
  const wanted = words(q);
  const fields = queryBy.split(',').map((f) => f.trim());
  const matches = (token: string, w: string): boolean =>
    token === w || (prefix !== 'false' && token.startsWith(w)) || (infix === 'always' && token.includes(w));
  return (d) => {
    const tokens = fields.flatMap((f) => (typeof d[f] === 'string' ? words(d[f]) : []));
    return wanted.length > 0 && wanted.every((w) => tokens.some((t) => matches(t, w)));
  };
}

function compileSort(c: Collection, sortBy: string | null): (a: Doc, b: Doc) => number {
  if (sortBy === null || sortBy.trim() === '') return () => 0;
  const keys = sortBy.split(',').map((part) => {
    const [field, dir] = part.trim().split(':') as [string, string | undefined];
    if (!c.fields.some((f) => f.name === field && (f.type === 'int32' || f.type === 'int64'))) {
      throw new HttpError(404, `Could not find a field named \`${field}\` in the schema for sorting.`);
    }
    if (dir !== 'asc' && dir !== 'desc') throw new HttpError(400, `Order for field \`${field}\` should be either ASC or DESC.`);
    return { field, sign: dir === 'asc' ? 1 : -1 };
  });
  if (keys.length > 3) throw new HttpError(400, 'Only upto 3 sort_by fields can be specified.');
  return (a, b) => {
    for (const { field, sign } of keys) {
      const d = Number(a[field] ?? 0) - Number(b[field] ?? 0);
      if (d !== 0) return sign * d;
    }
    return 0;
  };
}

function search(c: Collection, p: URLSearchParams): unknown {
  const q = p.get('q');
  if (q === null) throw new HttpError(400, 'Parameter `q` is required.');
  const filter = compileFilter(c, p.get('filter_by'));
  const query = compileQuery(q, p.get('query_by'), p.get('infix'), p.get('prefix'));
  const matched = [...c.docs.values()].filter((d) => filter(d) && query(d)).sort(compileSort(c, p.get('sort_by')));
  const page = Number(p.get('page') ?? '1');
  const perPage = Number(p.get('per_page') ?? '10');
  if (!Number.isInteger(page) || page < 1) throw new HttpError(400, 'Parameter `page` must be an integer of minimum value 1.');
  if (!Number.isInteger(perPage) || perPage < 0 || perPage > 250) throw new HttpError(422, 'Only upto 250 hits can be fetched per page.');
  const include = p.get('include_fields')?.split(',').map((f) => f.trim());
  const project = (d: Doc): Doc => (include ? Object.fromEntries(Object.entries(d).filter(([k]) => include.includes(k))) : d);
  const hits = matched.slice((page - 1) * perPage, page * perPage).map((d) => ({ document: project(d) }));
  const facetBy = p.get('facet_by');
  const facet_counts = (facetBy ? facetBy.split(',') : []).map((name) => {
    const field = name.trim();
    if (!c.fields.some((f) => f.name === field)) throw new HttpError(404, `Could not find a facet field named \`${field}\` in the schema.`);
    const counts = new Map<string, number>();
    for (const d of matched) if (d[field] !== undefined) counts.set(String(d[field]), (counts.get(String(d[field])) ?? 0) + 1);
    const max = Number(p.get('max_facet_values') ?? '10');
    return { field_name: field, counts: [...counts].sort((a, b) => b[1] - a[1]).slice(0, max).map(([value, count]) => ({ value, count })) };
  });
  return { found: matched.length, page, hits, facet_counts, out_of: c.docs.size };
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'Bad JSON.');
  }
}

export async function startFakeTypesense(apiKey = 'fake-typesense-key'): Promise<FakeTypesense> {
  const collections = new Map<string, Collection>();
  const requests: string[] = [];
  const collectionOrThrow = (name: string): Collection => {
    const c = collections.get(name);
    if (!c) throw new HttpError(404, `Collection not found`);
    return c;
  };

  const route = async (req: IncomingMessage): Promise<[number, unknown]> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    requests.push(`${method} ${url.pathname}`);
    if (req.headers['x-typesense-api-key'] !== apiKey) throw new HttpError(401, 'Forbidden - a valid `x-typesense-api-key` header must be sent.');
    if (method === 'GET' && url.pathname === '/health') return [200, { ok: true }];
    if (parts[0] !== 'collections') throw new HttpError(404, 'Not Found');
    if (parts.length === 1 && method === 'POST') {
      const spec = (await body(req)) as { name?: unknown; fields?: unknown };
      if (typeof spec?.name !== 'string' || !Array.isArray(spec.fields)) throw new HttpError(400, 'Parameter `name` and `fields` are required.');
      if (collections.has(spec.name)) throw new HttpError(409, `A collection with name \`${spec.name}\` already exists.`);
      const fields = (spec.fields as Field[]).map((f) => ({ name: f.name, type: f.type, optional: f.optional === true }));
      for (const f of fields) if (!typeOk(f.type, f.type === 'string' ? '' : f.type === 'bool' ? true : 0)) throw new HttpError(400, `Field \`${f.name}\` has an invalid data type.`);
      collections.set(spec.name, { name: spec.name, fields, docs: new Map() });
      return [201, { name: spec.name, fields, num_documents: 0 }];
    }
    const c = collectionOrThrow(parts[1] ?? '');
    if (parts.length === 2 && method === 'GET') return [200, { name: c.name, fields: c.fields, num_documents: c.docs.size }];
    if (parts[2] !== 'documents') throw new HttpError(404, 'Not Found');
    if (parts.length === 4 && parts[3] === 'search' && method === 'GET') return [200, search(c, url.searchParams)];
    if (parts.length === 4 && method === 'GET') {
      const doc = c.docs.get(parts[3]!);
      if (!doc) throw new HttpError(404, `Could not find a document with id: ${parts[3]}`);
      return [200, doc];
    }
    if (parts.length === 3 && method === 'POST') {
      const doc = checkDoc(c, await body(req));
      const action = url.searchParams.get('action') ?? 'create';
      if (action === 'create' && c.docs.has(String(doc['id']))) throw new HttpError(409, 'A document with id already exists.');
      if (action !== 'create' && action !== 'upsert') throw new HttpError(400, `action ${action} is not supported by this fake`);
      c.docs.set(String(doc['id']), doc);
      return [201, doc];
    }
    if (parts.length === 3 && method === 'PATCH') {
      const filter = url.searchParams.get('filter_by');
      if (!filter) throw new HttpError(400, 'Parameter `filter_by` is required.');
      const patch = await body(req);
      if (typeof patch !== 'object' || patch === null) throw new HttpError(400, 'Bad JSON.');
      const match = compileFilter(c, filter);
      let updated = 0;
      for (const [id, doc] of c.docs) {
        if (!match(doc)) continue;
        c.docs.set(id, checkDoc(c, { ...doc, ...patch, id }));
        updated += 1;
      }
      return [200, { num_updated: updated }];
    }
    throw new HttpError(404, 'Not Found');
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    route(req).then(
      ([status, payload]) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      },
      (err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message: err instanceof Error ? err.message : String(err) }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
