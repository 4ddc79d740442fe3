// A failed gRPC call -> what the edge answers: the real HTTP status, the message, the reason,
// and the auth headers. The reason and auth signal come from google.rpc.ErrorInfo in the
// `grpc-status-details-bin` trailer (proto/README.md, "Errors").
import type { Root, Type } from 'protobufjs';
import { genericMessageOfGrpcCode, httpStatusOfGrpcCode } from './status-map.ts';

/** INTERNAL, UNKNOWN, DATA_LOSS: the text is for the logs, never for the client. */
const HIDDEN_CODES = new Set([2, 13, 15]);
/** CANCELLED, DEADLINE_EXCEEDED, UNAVAILABLE: written by grpc-js itself unless the service sent details. */
const TRANSPORT_CODES = new Set([1, 4, 14]);

export type AuthSignal = 'REFRESH_NEEDED' | 'RELOGIN_REQUIRED';

export interface RpcFailure {
  readonly code: number;
  readonly details: string;
  /** Serialized google.rpc.Status, when the service sent one. */
  readonly statusDetails: Uint8Array | undefined;
}

export interface EdgeFailure {
  readonly httpStatus: number;
  readonly message: string;
  readonly reason: string | undefined;
  readonly authSignal: AuthSignal | undefined;
}

interface DecodedDetails {
  readonly reason: string | undefined;
  readonly authSignal: AuthSignal | undefined;
  readonly violations: readonly string[];
}

export function createFailureMapper(root: Root): (failure: RpcFailure) => EdgeFailure {
  const status = root.lookupType('google.rpc.Status');
  const errorInfo = root.lookupType('google.rpc.ErrorInfo');
  const badRequest = root.lookupType('google.rpc.BadRequest');
  return (failure) => {
    const decoded = decodeDetails(failure.statusDetails, status, errorInfo, badRequest);
    // Text the service wrote is meant for the client; text the transport wrote (no details: the
    // service never answered, or crashed) would only leak internals.
    const useDetails = failure.details !== '' && !HIDDEN_CODES.has(failure.code) && (failure.statusDetails !== undefined || !TRANSPORT_CODES.has(failure.code));
    const message = useDetails ? failure.details : genericMessageOfGrpcCode(failure.code);
    const withFields = decoded.violations.length > 0 && !decoded.violations.every((v) => message.includes(v)) ? `${message} (${decoded.violations.join('; ')})` : message;
    return { httpStatus: httpStatusOfGrpcCode(failure.code), message: withFields, reason: decoded.reason, authSignal: decoded.authSignal };
  };
}

function decodeDetails(bytes: Uint8Array | undefined, status: Type, errorInfo: Type, badRequest: Type): DecodedDetails {
  if (bytes === undefined || bytes.length === 0) return { reason: undefined, authSignal: undefined, violations: [] };
  try {
    const decoded = status.toObject(status.decode(bytes), { defaults: true }) as { details?: { type_url?: string; value?: Uint8Array }[] };
    let reason: string | undefined;
    let authSignal: AuthSignal | undefined;
    const violations: string[] = [];
    for (const any of decoded.details ?? []) {
      const typeName = (any.type_url ?? '').split('/').pop();
      const value = any.value ?? new Uint8Array();
      if (typeName === 'google.rpc.ErrorInfo') {
        const info = errorInfo.toObject(errorInfo.decode(value), { defaults: true }) as { reason?: string; metadata?: Record<string, string> };
        reason = info.reason === '' ? undefined : info.reason;
        const signal = info.metadata?.['auth_signal']?.replace(/^AUTH_SIGNAL_/, '');
        if (signal === 'REFRESH_NEEDED' || signal === 'RELOGIN_REQUIRED') authSignal = signal;
      } else if (typeName === 'google.rpc.BadRequest') {
        const br = badRequest.toObject(badRequest.decode(value), { defaults: true }) as { field_violations?: { field?: string; description?: string }[] };
        for (const v of br.field_violations ?? []) violations.push(`${v.field ?? ''}: ${v.description ?? ''}`);
      }
    }
    return { reason, authSignal, violations };
  } catch {
    // Undecodable details: keep the status code and message, drop the extras.
    return { reason: undefined, authSignal: undefined, violations: [] };
  }
}
