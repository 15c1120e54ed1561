// Issues an API key for an Amt: `node services/ingestion/dist/keygen.js <amt> [key-id] [--scrypt]`.
// Prints the key once (hand it to the Amt) and the config entry with its hash (put it in the
// instance's configuration). The key itself is stored nowhere.
import { generateApiKey, hashApiKey } from './api-keys.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const scrypt = process.argv.includes('--scrypt');
const [amt, id = `${amt}-${new Date().toISOString().slice(0, 10)}`] = args;
if (!amt || !/^[a-z][a-z0-9_]*$/.test(amt)) {
  console.error('usage: node services/ingestion/dist/keygen.js <amt> [key-id] [--scrypt]');
  process.exit(2);
}
const keyId = id.replace(/_/g, '-');
const key = generateApiKey(keyId);
console.log(`API key for ${amt} (shown once, give it to the Amt):\n  ${key}\n`);
console.log('config entry (ingestion.apiKeys):');
console.log(`  ${JSON.stringify({ id: keyId, amt, hash: hashApiKey(key, scrypt ? 'scrypt' : 'sha256') })}`);
