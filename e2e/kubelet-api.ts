/**
 * The one kubelet endpoint SPIRE's k8s workload attestor calls: GET /pods on the node's port 10250.
 * Authenticated and authorized the way the kubelet does it (kubelet pkg/kubelet/server/auth.go: a
 * TokenReview of the bearer token, then a SubjectAccessReview of get nodes/pods, falling back to
 * nodes/proxy), and answered with the node's pods as the apiserver holds them.
 */
import { createServer, Server } from 'node:https';
import { KubeClient } from './kube';
import { Pki, read } from './pki';

export const KUBELET_PORT = 10250;

export async function startKubeletApi(client: KubeClient, pki: Pki, caPair: { cert: string; key: string }, nodeName: string, address = '127.0.0.1'): Promise<Server> {
  const serving = pki.leaf(caPair, 'kubelet', `/CN=${nodeName}`, ['IP:127.0.0.1', `DNS:${nodeName}`, 'DNS:localhost'], 'serverAuth');
  const server = createServer({ cert: read(serving.cert), key: read(serving.key) }, (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    (async () => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/pods') return reply(404, { message: 'only /pods is served' });
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token) return reply(401, { message: 'Unauthorized' });
      const review = await client.ok('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
      if (!review.body.status?.authenticated) return reply(401, { message: 'Unauthorized' });
      const user = review.body.status.user;
      let allowed = false;
      for (const subresource of ['pods', 'proxy']) {
        const access = await client.ok('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
          apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
          spec: { user: user.username, groups: user.groups, uid: user.uid, resourceAttributes: { verb: 'get', resource: 'nodes', subresource, name: nodeName } },
        });
        if (access.body.status?.allowed) { allowed = true; break; }
      }
      if (!allowed) return reply(403, { message: `Forbidden (user=${user.username}, verb=get, resource=nodes, subresource(s)=[pods proxy])` });
      const pods = await client.ok('GET', `/api/v1/pods?fieldSelector=spec.nodeName%3D${encodeURIComponent(nodeName)}`);
      return reply(200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: pods.body.items });
    })().catch((error: Error) => reply(500, { message: error.message }));
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(KUBELET_PORT, address, () => resolve()); });
  return server;
}
