// The original contract's error body, kept by the edge: {statusCode, resultCode, message, path}.
// Unlike the original, the HTTP status of the response equals statusCode.

export interface ErrorBody {
  readonly statusCode: number;
  readonly resultCode: 'FAIL';
  readonly message: string;
  readonly path: string;
}

export function errorBody(statusCode: number, message: string, path: string): ErrorBody {
  return { statusCode, resultCode: 'FAIL', message, path };
}
