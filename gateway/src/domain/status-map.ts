// gRPC status code -> HTTP status of the REST edge (SPEC.md, "The edge"). The original answered
// most errors with HTTP 200 and the real code only in the body; the edge sends the real status.
// FAILED_PRECONDITION and OUT_OF_RANGE follow google.rpc.Code's documented HTTP mapping (400):
// both describe a request the client must change, which is never a server fault.

const HTTP_BY_GRPC_CODE: Readonly<Record<number, number>> = {
  1: 499, // CANCELLED
  2: 500, // UNKNOWN
  3: 400, // INVALID_ARGUMENT
  4: 504, // DEADLINE_EXCEEDED
  5: 404, // NOT_FOUND
  6: 409, // ALREADY_EXISTS
  7: 403, // PERMISSION_DENIED
  8: 429, // RESOURCE_EXHAUSTED
  9: 400, // FAILED_PRECONDITION
  10: 409, // ABORTED
  11: 400, // OUT_OF_RANGE
  12: 501, // UNIMPLEMENTED
  13: 500, // INTERNAL
  14: 503, // UNAVAILABLE
  15: 500, // DATA_LOSS
  16: 401, // UNAUTHENTICATED
};

export function httpStatusOfGrpcCode(code: number): number {
  return HTTP_BY_GRPC_CODE[code] ?? 500;
}

/** Messages for failures that the transport produced, whose own text would only leak internals. */
export function genericMessageOfGrpcCode(code: number): string {
  switch (code) {
    case 1:
      return 'request cancelled';
    case 4:
      return 'the service did not answer in time';
    case 12:
      return 'not implemented yet';
    case 14:
      return 'service unavailable, try again later';
    default:
      return 'internal error';
  }
}
