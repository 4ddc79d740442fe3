// The optional Typesense overlay (mesh/generated/overlays/typesense): the dev overlay plus a
// single-node Typesense StatefulSet, its API key Secret (a fixed, public, dev-only value; a real
// cluster supplies its own `dailyfeed-typesense` Secret), and search-svc switched to it
// (SEARCH_ENGINE=typesense, TYPESENSE_URL, TYPESENSE_API_KEY from the Secret). Nothing else
// changes: the base and the other services stay on their defaults. Fill the new index from
// content's tables once with `node src/main.ts reindex` in a search-svc pod.
import { Secret } from 'kubernetes-models/v1';
import { store, type DevObject } from './dev-overlay.ts';
import { env, fromSecret, NAMESPACE, workloadName } from './k8s-common.ts';

export const TYPESENSE = 'dailyfeed-typesense';
export const TYPESENSE_PORT = 8108;
/** The Secret (and its key) holding the Typesense API key, read by Typesense and by search-svc. */
export const TYPESENSE_SECRET = { name: 'dailyfeed-typesense', key: 'api-key' } as const;

export function typesenseObjects(): DevObject[] {
  const [set, service] = store(
    TYPESENSE,
    TYPESENSE_PORT,
    {
      name: TYPESENSE,
      image: 'typesense/typesense:27.1',
      // The server reads its settings from TYPESENSE_* variables.
      env: [env('TYPESENSE_DATA_DIR', '/data'), env('TYPESENSE_API_PORT', String(TYPESENSE_PORT)), fromSecret('TYPESENSE_API_KEY', TYPESENSE_SECRET.name, TYPESENSE_SECRET.key)],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
      readinessProbe: { httpGet: { path: '/health', port: TYPESENSE_PORT }, periodSeconds: 5 },
    },
    true,
  );
  const secret = new Secret({
    metadata: { name: TYPESENSE_SECRET.name, namespace: NAMESPACE },
    type: 'Opaque',
    stringData: { [TYPESENSE_SECRET.key]: 'dev-only-not-secret-typesense-api-key-0123456789abcdef' },
  });
  return [set, service, secret];
}

/** JSON 6902 patch of search-svc's Deployment: its container reads the engine settings. */
export const TYPESENSE_PATCHES = [
  {
    target: { kind: 'Deployment', name: workloadName('search') },
    patch: [
      { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: env('SEARCH_ENGINE', 'typesense') },
      { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: env('TYPESENSE_URL', `http://${TYPESENSE}:${TYPESENSE_PORT}`) },
      { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: fromSecret('TYPESENSE_API_KEY', TYPESENSE_SECRET.name, TYPESENSE_SECRET.key) },
    ],
  },
] as const;
