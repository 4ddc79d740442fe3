// CronJobs for the scheduled commands the services expose (`node src/main.ts <command>`).
import { CronJob } from 'kubernetes-models/batch/v1';
import { CONTAINER_SECURITY, DATABASE_SECRET, env, fromConfig, fromSecret, imageName, NAMESPACE, POD_SECURITY, TMP_MOUNT, TMP_VOLUME, workloadName } from './k8s-common.ts';
import type { JobPolicy, ServicePolicy } from './policy.ts';

export function cronJobName(policy: ServicePolicy, job: JobPolicy): string {
  return `${workloadName(policy.name)}-${job.command}`;
}

export function cronJob(policy: ServicePolicy, job: JobPolicy): CronJob {
  const name = cronJobName(policy, job);
  return new CronJob({
    metadata: { name, namespace: NAMESPACE, annotations: { 'dailyfeed.click/why': job.why } },
    spec: {
      schedule: job.schedule,
      // Topic names and key ages are UTC; the schedule must not move with the node's zone.
      timeZone: 'Etc/UTC',
      // Two runs of the same job would race on the same rows; a missed run is caught up by the next.
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 120,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 600,
          ttlSecondsAfterFinished: 3600,
          template: {
            metadata: {
              labels: { app: name, 'app.kubernetes.io/part-of': 'dailyfeed' },
              // A sidecar would keep the pod running after the job ends, so the Job never completes.
              // Jobs talk only to PostgreSQL, Redis and Kafka (outside the STRICT-mTLS services).
              annotations: { 'sidecar.istio.io/inject': 'false' },
            },
            spec: {
              restartPolicy: 'Never',
              serviceAccountName: workloadName(policy.name),
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: POD_SECURITY,
              volumes: [TMP_VOLUME],
              containers: [
                {
                  name: job.command,
                  image: imageName(policy.name),
                  args: [job.command],
                  env: [
                    fromSecret('DATABASE_URL', DATABASE_SECRET, policy.name),
                    fromConfig('REDIS_URL'),
                    ...(policy.usesKafka ? [fromConfig('KAFKA_BROKERS')] : []),
                    fromConfig('LOG_LEVEL'),
                    env('SHUTDOWN_TIMEOUT_MS', '10000'),
                  ],
                  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
                  securityContext: CONTAINER_SECURITY,
                  volumeMounts: [TMP_MOUNT],
                },
              ],
            },
          },
        },
      },
    },
  });
}
