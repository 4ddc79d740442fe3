// Names, labels and the pod hardening every dailyfeed workload shares.
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { Caller } from './policy.ts';

export const NAMESPACE = 'dailyfeed';
/** Image repository prefix; skaffold rewrites these names to the built tags. */
export const IMAGE_PREFIX = 'dailyfeed';
/** The uid of the `node` user in the official node images (Dockerfiles run as it). */
export const NODE_UID = 1000;

/** Kubernetes/Istio name of a workload: the seed's `dailyfeed-activity` host form. */
export function workloadName(name: Caller): string {
  return `dailyfeed-${name}`;
}

export function imageName(name: Caller): string {
  return `${IMAGE_PREFIX}/${name}`;
}

/**
 * Where .github/workflows/images.yml pushes a workload's image (ghcr.io/<owner>/dailyfeed-<name>);
 * the base kustomization maps imageName() to it, and skaffold builds under the same name.
 */
export const IMAGE_REGISTRY = 'ghcr.io/dailyfeed';

export function publishedImage(name: Caller): string {
  return `${IMAGE_REGISTRY}/dailyfeed-${name}`;
}

/** The SPIFFE identity Istio gives a workload (AuthorizationPolicy principals). */
export function principal(name: Caller): string {
  return `cluster.local/ns/${NAMESPACE}/sa/${workloadName(name)}`;
}

export function selectorLabels(name: Caller): Record<string, string> {
  return { app: workloadName(name) };
}

/** `version` is what the DestinationRule subset v1 selects; `app` + `version` feed Kiali. */
export function podLabels(name: Caller, scaleGroup: string | undefined): Record<string, string> {
  return {
    ...selectorLabels(name),
    version: 'v1',
    'app.kubernetes.io/name': workloadName(name),
    'app.kubernetes.io/part-of': 'dailyfeed',
    ...(scaleGroup ? { 'dailyfeed.click/scale-group': scaleGroup } : {}),
  };
}

export const POD_SECURITY: IPodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: NODE_UID,
  runAsGroup: NODE_UID,
  fsGroup: NODE_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

export const CONTAINER_SECURITY: NonNullable<IContainer['securityContext']> = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

// The root filesystem is read-only; Node and libraries that need scratch space get /tmp.
export const TMP_VOLUME: IVolume = { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } };
export const TMP_MOUNT: IVolumeMount = { name: 'tmp', mountPath: '/tmp' };

/** Shared configuration (dev overlay creates it; production provides its own). */
export const CONFIG_MAP = 'dailyfeed-config';
/** Per-service DATABASE_URL keys (timeline's is a read-only role that may point at a replica). */
export const DATABASE_SECRET = 'dailyfeed-database';

export function env(name: string, value: string): { name: string; value: string } {
  return { name, value };
}

export function fromConfig(name: string, key = name): NonNullable<IContainer['env']>[number] {
  return { name, valueFrom: { configMapKeyRef: { name: CONFIG_MAP, key } } };
}

export function fromSecret(name: string, secret: string, key: string): NonNullable<IContainer['env']>[number] {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}
