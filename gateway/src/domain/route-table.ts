// The REST route table, read from the google.api.http bindings of the loaded protos: one source
// of truth. Every RPC with a binding (and each of its additional_bindings) becomes one route;
// RPCs without one (Authenticate, admin and dead-letter RPCs) are never exposed.
import type { Method, Namespace, Root, Service, Type } from 'protobufjs';
import { parseHttpTemplate, type TemplateVariable } from './http-template.ts';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface RouteSpec {
  /** Fully qualified service name, e.g. dailyfeed.member.v1.MemberService. */
  readonly service: string;
  /** The dailyfeed package key (member, content, ...), which picks the backend and deadline. */
  readonly backend: string;
  readonly rpc: string;
  /** gRPC method path: /dailyfeed.member.v1.MemberService/Login. */
  readonly grpcPath: string;
  readonly verb: HttpVerb;
  /** The binding's template as written, e.g. /api/posts/{post_id}. */
  readonly template: string;
  /** The Fastify path, e.g. /api/posts/:post_id. */
  readonly routePath: string;
  readonly variables: readonly TemplateVariable[];
  /** "" (no body), "*" (the whole request) or a request field name. */
  readonly body: string;
  /** "" (the whole response is `data`) or the response field that is `data`. */
  readonly responseBody: string;
  readonly successStatus: number;
  readonly requestType: Type;
  readonly responseType: Type;
  readonly comment: string | null;
}

interface HttpRuleObject {
  readonly get?: string;
  readonly put?: string;
  readonly post?: string;
  readonly delete?: string;
  readonly patch?: string;
  readonly custom?: { readonly kind?: string; readonly path?: string };
  readonly body?: string;
  readonly response_body?: string;
  readonly additional_bindings?: HttpRuleObject | readonly HttpRuleObject[];
}

const HTTP_OPTION = '(google.api.http)';
const SUCCESS_OPTION = '(dailyfeed.common.v1.success_status)';

export function buildRouteTable(root: Root): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (const service of servicesOf(root)) {
    for (const method of service.methodsArray) {
      const rule = optionOf<HttpRuleObject>(method, HTTP_OPTION);
      if (rule === undefined) continue;
      const successStatus = optionOf<number>(method, SUCCESS_OPTION) ?? 200;
      for (const binding of [rule, ...asArray(rule.additional_bindings)]) {
        routes.push(routeOf(service, method, binding, successStatus));
      }
    }
  }
  return routes;
}

/** Every service of every dailyfeed package, in declaration order. */
export function servicesOf(root: Root): Service[] {
  const out: Service[] = [];
  const walk = (ns: Namespace): void => {
    for (const nested of ns.nestedArray) {
      if (isService(nested)) out.push(nested);
      else if (isNamespace(nested)) walk(nested);
    }
  };
  walk(root);
  return out.filter((s) => s.fullName.startsWith('.dailyfeed.'));
}

/** True when an RPC carries a google.api.http binding. */
export function isAnnotated(method: Method): boolean {
  return optionOf<HttpRuleObject>(method, HTTP_OPTION) !== undefined;
}

function routeOf(service: Service, method: Method, rule: HttpRuleObject, successStatus: number): RouteSpec {
  const [verb, template] = verbAndPath(rule, method);
  const parsed = parseHttpTemplate(template);
  const fullName = service.fullName.replace(/^\./, '');
  method.resolve();
  const requestType = method.resolvedRequestType;
  const responseType = method.resolvedResponseType;
  if (requestType === null || responseType === null) throw new Error(`${fullName}.${method.name}: unresolved types`);
  return {
    service: fullName,
    backend: fullName.split('.')[1] ?? fullName,
    rpc: method.name,
    grpcPath: `/${fullName}/${method.name}`,
    verb,
    template,
    routePath: parsed.routePath,
    variables: parsed.variables,
    body: rule.body ?? '',
    responseBody: rule.response_body ?? '',
    successStatus,
    requestType,
    responseType,
    comment: method.comment,
  };
}

function verbAndPath(rule: HttpRuleObject, method: Method): [HttpVerb, string] {
  if (rule.get !== undefined) return ['GET', rule.get];
  if (rule.post !== undefined) return ['POST', rule.post];
  if (rule.put !== undefined) return ['PUT', rule.put];
  if (rule.delete !== undefined) return ['DELETE', rule.delete];
  if (rule.patch !== undefined) return ['PATCH', rule.patch];
  const kind = rule.custom?.kind?.toUpperCase();
  if (rule.custom?.path !== undefined && (kind === 'GET' || kind === 'POST' || kind === 'PUT' || kind === 'DELETE' || kind === 'PATCH')) {
    return [kind, rule.custom.path];
  }
  throw new Error(`${method.fullName}: google.api.http binding without a supported pattern`);
}

function optionOf<T>(method: Method, name: string): T | undefined {
  for (const entry of method.parsedOptions ?? []) {
    const record = entry as Record<string, unknown>;
    if (name in record) return record[name] as T;
  }
  return undefined;
}

function asArray<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

function isService(value: unknown): value is Service {
  return typeof value === 'object' && value !== null && 'methodsArray' in value;
}

function isNamespace(value: unknown): value is Namespace {
  return typeof value === 'object' && value !== null && 'nestedArray' in value;
}
