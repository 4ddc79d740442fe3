// What gRPC clients load at runtime: the generated grpc-js service config for a target service
// and the resilience profile for calls to it. Only node:fs, so services and the edge can import it
// without pulling in the generator. Wiring (which env flag says "under mesh") belongs to main.ts.
import { readFileSync } from 'node:fs';
import type { ResilienceProfile } from './resilience.ts';

export type TargetService = 'member' | 'content' | 'timeline' | 'image' | 'search' | 'activity';

const GENERATED = new URL('../generated/', import.meta.url);

/** The JSON text of generated/grpc/<target>[.under-mesh].json. */
export function loadGrpcServiceConfig(target: TargetService, underMesh: boolean): string {
  const file = underMesh ? `${target}.under-mesh.json` : `${target}.json`;
  return readFileSync(new URL(`grpc/${file}`, GENERATED), 'utf8');
}

/**
 * Channel options for `new XxxClient(address, credentials, options)`. Outlier detection only acts
 * on multi-address targets (e.g. `dns:///dailyfeed-member:50051` or `ipv4:10.0.0.1:50051,...`).
 */
export function grpcChannelOptions(target: TargetService, underMesh: boolean): { 'grpc.service_config': string } {
  return { 'grpc.service_config': loadGrpcServiceConfig(target, underMesh) };
}

/** Circuit-breaker and client rate-limit numbers for calls to `target` (§9.4 profiles). */
export function loadResilienceProfile(target: TargetService): ResilienceProfile {
  return JSON.parse(readFileSync(new URL(`resilience/${target}.json`, GENERATED), 'utf8')) as ResilienceProfile;
}
