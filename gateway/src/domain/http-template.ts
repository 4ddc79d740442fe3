// google.api.http path templates -> Fastify (find-my-way) route paths.
// Grammar (google/api/http.proto): Template = "/" Segments [":" Verb]; a segment is a literal,
// `*`, `**` or a variable `{field.path[=Segments]}`. dailyfeed bindings only use literals and
// `{field}`, but the rest is handled so a new binding never needs edge code.

export interface TemplateVariable {
  /** Request field path, e.g. ["post_id"] or ["post", "id"]. */
  readonly fieldPath: readonly string[];
  /** Name of the route parameter that carries the value. */
  readonly param: string;
}

export interface ParsedTemplate {
  /** Path for app.route(), e.g. /api/posts/:post_id. */
  readonly routePath: string;
  readonly variables: readonly TemplateVariable[];
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

export function parseHttpTemplate(template: string): ParsedTemplate {
  if (!template.startsWith('/')) throw new TemplateError(`template must start with "/": ${template}`);
  const verbAt = template.lastIndexOf(':');
  const lastBrace = template.lastIndexOf('}');
  const hasVerb = verbAt > lastBrace && verbAt > template.lastIndexOf('/');
  const path = hasVerb ? template.slice(0, verbAt) : template;
  const verb = hasVerb ? template.slice(verbAt + 1) : undefined;

  const variables: TemplateVariable[] = [];
  const out: string[] = [];
  let anonymous = 0;
  for (const segment of splitSegments(path.slice(1))) {
    const variable = /^\{([A-Za-z_][\w.]*)(?:=(.+))?\}$/.exec(segment);
    if (variable) {
      const fieldPath = (variable[1] ?? '').split('.');
      const inner = variable[2] ?? '*';
      const param = fieldPath.join('__');
      if (inner === '**') {
        out.push('*');
        variables.push({ fieldPath, param: '*' });
      } else if (inner === '*') {
        out.push(`:${param}`);
        variables.push({ fieldPath, param });
      } else {
        throw new TemplateError(`unsupported variable pattern "${inner}" in ${template}`);
      }
    } else if (segment === '*') {
      out.push(`:_wildcard${anonymous++}`);
    } else if (segment === '**') {
      out.push('*');
    } else if (/^[^{}]+$/.test(segment)) {
      // A literal colon would start a parameter in find-my-way; "::" escapes it.
      out.push(segment.replaceAll(':', '::'));
    } else {
      throw new TemplateError(`bad segment "${segment}" in ${template}`);
    }
  }
  const routePath = `/${out.join('/')}${verb === undefined ? '' : `::${verb}`}`;
  return { routePath, variables };
}

/** Splits on "/" outside braces (a variable may contain "/" in its pattern). */
function splitSegments(path: string): string[] {
  const segments: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of path) {
    if (ch === '{') depth += 1;
    if (ch === '}') depth -= 1;
    if (ch === '/' && depth === 0) {
      segments.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  segments.push(current);
  return segments;
}
