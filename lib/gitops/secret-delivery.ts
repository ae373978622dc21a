import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { Datastore, SecretDelivery } from '../config/types';
import { standardLabels } from '../resolve/labels';
import { SPIRE_SERVER } from '../config/spire-facts';

export type ExternalSecretsDelivery = Extract<SecretDelivery, { type: 'external-secrets' }>;

/** What an external datastore needs from outside Git: its password Secret and, optionally, its CA ConfigMap. */
export function datastoreNeeds(datastore: Datastore): { secret?: { name: string; key: string }; caConfigMap?: string } {
  if (datastore.type === 'sqlite3') return {};
  // With RDS IAM authentication there is no password to deliver.
  return { secret: datastore.passwordSecret ? { ...datastore.passwordSecret } : undefined, caConfigMap: datastore.caConfigMap };
}

export interface DatastoreExternalSecretsProps {
  readonly delivery: ExternalSecretsDelivery;
  readonly datastore: Datastore;
  readonly namespace: string;
  readonly clusterName: string;
}

/**
 * ExternalSecrets (external-secrets.io/v1) for the database password Secret and CA ConfigMap the server
 * and its PreSync hook read. They are PreSync hooks in hook wave -1: Argo CD creates them before the
 * validation Job and waits until they are Ready: a hook's phase is its health (argo-cd
 * gitops-engine/pkg/sync/sync_context.go, getOperationPhase), and ExternalSecret is Progressing until its
 * Ready condition (resource_customizations/external-secrets.io/ExternalSecret/health.lua). The targets are created with
 * creationPolicy Orphan, so re-creating a hook (BeforeHookCreation) never deletes the Secret; Flux
 * applies them like any object (the server waits for the Secret).
 */
export class DatastoreExternalSecrets extends Construct {
  public readonly names: string[] = [];

  constructor(scope: Construct, id: string, props: DatastoreExternalSecretsProps) {
    super(scope, id);
    const needs = datastoreNeeds(props.datastore);
    const key = props.delivery.remoteKey.replace(/\{cluster\}/g, props.clusterName);
    const hook = {
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      'argocd.argoproj.io/sync-wave': '-1',
    };
    const common = { refreshInterval: props.delivery.refreshInterval, secretStoreRef: { ...props.delivery.store } };
    if (needs.secret) {
      this.names.push(needs.secret.name);
      new ApiObject(this, 'Password', {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: needs.secret.name, namespace: props.namespace, annotations: hook, labels: standardLabels(needs.secret.name, 'secret-delivery', props.clusterName) },
        spec: {
          ...common,
          target: { name: needs.secret.name, creationPolicy: 'Orphan', deletionPolicy: 'Retain' },
          data: [{ secretKey: needs.secret.key, remoteRef: { key, property: 'password' } }],
        },
      });
    }
    if (needs.caConfigMap) {
      this.names.push(needs.caConfigMap);
      new ApiObject(this, 'CaCertificate', {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: needs.caConfigMap, namespace: props.namespace, annotations: hook, labels: standardLabels(needs.caConfigMap, 'secret-delivery', props.clusterName) },
        spec: {
          ...common,
          // A certificate is public, but it lives with the credentials: a ConfigMap target (generic target).
          target: { name: needs.caConfigMap, creationPolicy: 'Orphan', deletionPolicy: 'Retain', manifest: { apiVersion: 'v1', kind: 'ConfigMap' } },
          // The key the server mounts its database CA from; the remote property is expected under the same name.
          data: [{ secretKey: SPIRE_SERVER.dbCaFile, remoteRef: { key, property: SPIRE_SERVER.dbCaFile } }],
        },
      });
    }
  }
}
