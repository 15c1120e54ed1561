// One delivery to the ingestion API as an Amt would send it, for the platform's own feeds (the demo
// load, the population prognose). A delivery is idempotent (same keys and versions answer
// "unchanged"), so a connection lost in flight is sent again (up to 5 attempts, 200 ms × attempt
// apart) and so is a 503 (1 s × attempt apart). The last answer is returned; the caller judges it.
export async function postDelivery(baseUrl: string, recordType: string, apiKey: string, body: string, contentType = 'application/json'): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}/v1/deliveries/${recordType}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': contentType },
        body,
      });
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 200 * attempt));
      continue;
    }
    if (res.status === 503 && attempt < 5) {
      await new Promise((r) => setTimeout(r, 1000 * attempt));
      continue;
    }
    return res;
  }
}
