// Reads what a route needs from the HTTP request: the JSON body whatever its Content-Type (the
// frontend sends text/plain JSON on some calls and empty bodies on others), or the parts of a
// multipart/form-data body (image uploads), plus the edge-filled values.
import type { FastifyRequest } from 'fastify';
import { InputError } from '../domain/json-in.ts';
import type { HttpInput, UploadedFile } from '../domain/request-builder.ts';
import { checkJsonText, checkPathParams, checkQuery } from '../domain/text-guard.ts';

export const REFRESH_COOKIE = 'refresh_token';

/** Thrown for a body the edge cannot use; answered with its status and the error body. */
export class BodyError extends Error {
  override name = 'BodyError';
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}

/** `wantsBody` false: the binding maps no body, so whatever was sent is ignored, not parsed. */
export async function readHttpInput(request: FastifyRequest, acceptsFiles: boolean, wantsBody: boolean): Promise<HttpInput> {
  const params = request.params as Record<string, string>;
  const query = request.query as Record<string, string | string[]>;
  checkPathParams(params);
  checkQuery(query);
  let body: unknown;
  const files: UploadedFile[] = [];
  if (request.isMultipart()) {
    if (!acceptsFiles) throw new BodyError(415, 'multipart/form-data is only accepted by upload routes');
    const fields = await readMultipart(request, files);
    checkJsonText(fields);
    body = fields;
  } else if (wantsBody) {
    body = parseJsonBody(request.body);
  }
  return {
    params,
    query,
    body,
    files,
    refreshTokenCookie: request.cookies[REFRESH_COOKIE],
    userAgent: request.headers['user-agent'] ?? '',
    clientIp: request.ip,
  };
}

/** Files into `files`, plain fields returned. A body busboy cannot parse (no boundary, cut short) is the client's: 400. */
async function readMultipart(request: FastifyRequest, files: UploadedFile[]): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        // toBuffer() enforces the multipart fileSize limit (413 when exceeded).
        const data = await part.toBuffer();
        files.push({ field: part.fieldname, data, filename: part.filename, contentType: part.mimetype });
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (err: unknown) {
    // The plugin's own errors carry their 4xx (413 limits, 400 premature close); busboy's parse
    // errors carry none and would otherwise be answered as 500.
    if (err instanceof Error && typeof (err as { statusCode?: unknown }).statusCode === 'number') throw err;
    throw new BodyError(400, `body: malformed multipart/form-data (${err instanceof Error ? err.message : 'unparsable'})`);
  }
  return fields;
}

/** The raw body (a string from the catch-all parser) as JSON; empty means no body. */
function parseJsonBody(raw: unknown): unknown {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' && !Buffer.isBuffer(raw)) return raw;
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (err: unknown) {
    throw new InputError('body', `malformed JSON (${err instanceof Error ? err.message : 'unparsable'})`);
  }
  checkJsonText(parsed, text);
  return parsed;
}
