// Calls a node through the generated client: node call.js URL TRANSACTION_ID.
"use strict";
const { default: Client } = require("./generated/client/typescript/build/index.js");

async function main() {
  const [url, id] = process.argv.slice(2);
  const address = new URL(url);
  const client = new Client({
    transport: { type: "http", host: address.hostname, port: Number(address.port) },
  });
  client.setDefaultTimeout(10000);
  const status = await client.civitas_status();
  const transaction = await client.civitas_getTransaction(id);
  process.stdout.write(JSON.stringify({ status, transaction }) + "\n");
}

main().catch((error) => {
  console.error("the generated client failed:", error);
  process.exit(1);
});
