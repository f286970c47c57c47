// Drive a running flowlink server with the official Genesys JS SDK (purecloud-platform-client-v2).
// Run by crates/flowlink/tests/official_sdks.rs with FLOWLINK_URL, FLOWLINK_CLIENT_ID and
// FLOWLINK_CLIENT_SECRET set; NODE_PATH points at the directory holding node_modules.
'use strict';
const platformClient = require('purecloud-platform-client-v2');

const url = new URL(process.env.FLOWLINK_URL);
const clientId = process.env.FLOWLINK_CLIENT_ID;
const clientSecret = process.env.FLOWLINK_CLIENT_SECRET;

function check(cond, what) {
  if (!cond) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

async function expectError(status, fn, what) {
  try {
    await fn();
  } catch (e) {
    // The SDK rejects with the parsed ErrorBody itself (no wrapper unless returnExtended is set).
    const body = e.body || e;
    check(body.status === status, `${what}: status ${body.status} == ${status}`);
    check(typeof body.code === 'string' && body.contextId, `${what}: Genesys ErrorBody ${body.code}`);
    return;
  }
  check(false, `${what}: expected an error ${status}`);
}

async function main() {
  const client = platformClient.ApiClient.instance;
  // setEnvironment would force https and api./login. prefixes; a plain-http host needs setGateway.
  client.setGateway({ host: url.hostname, protocol: 'http', port: Number(url.port) });
  await client.loginClientCredentialsGrant(clientId, clientSecret);
  check(true, 'client-credentials login through setGateway');
  const arch = new platformClient.ArchitectApi();
  const suffix = Math.random().toString(16).slice(2, 10);

  const module = await arch.postFlows({ name: `JS Module ${suffix}`, type: 'commonmodule' });
  check(module.type === 'COMMONMODULE', 'module created');
  const inbound = [];
  for (let i = 0; i < 2; i++) {
    inbound.push(await arch.postFlows({ name: `JS Inbound ${i} ${suffix}`, type: 'inboundcall' }));
  }
  const seen = [];
  for (let page = 1; ; page++) {
    const listing = await arch.getFlows({ type: ['inboundcall'], pageSize: 1, pageNumber: page, nameOrDescription: suffix });
    seen.push(...listing.entities.map((e) => e.id));
    if (!listing.nextUri) {
      check(listing.pageCount === page, 'pageCount matches the last page');
      break;
    }
  }
  check(JSON.stringify(seen.sort()) === JSON.stringify(inbound.map((f) => f.id).sort()), 'paging returns the two inbound flows');
  const got = await arch.getFlow(inbound[0].id);
  got.description = 'updated by the js sdk';
  const put = await arch.putFlow(inbound[0].id, got);
  check(put.description === 'updated by the js sdk' && put.name === inbound[0].name, 'putFlow');
  await arch.deleteFlow(inbound[1].id);
  await expectError(410, () => arch.getFlow(inbound[1].id), 'get deleted flow');
  await expectError(404, () => arch.getFlow('00000000-0000-4000-8000-000000000000'), 'get unknown flow');
  client.setAccessToken('forged-token');
  await expectError(401, () => arch.getFlows({}), 'forged token');
  console.log('js sdk: all checks passed');
}

main().catch((e) => {
  console.error('FAILED:', e && (e.stack || JSON.stringify(e)));
  process.exit(1);
});
