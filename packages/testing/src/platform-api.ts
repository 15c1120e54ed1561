// A platform's public API as tests call it again and again: a delivery and one indicator value.
/** HTTP calls of a platform's public API that tests repeat */
export const platformApi = {
  /** delivers records; the status and the first record's outcome ("200 created", "200 unchanged", …) */
  async deliver(base: string, apiKey: string, recordType: string, records: readonly unknown[]): Promise<string> {
    const res = await fetch(`${base}/v1/deliveries/${recordType}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
    const text = await res.text();
    let outcome: string | undefined;
    try {
      outcome = (JSON.parse(text) as { records?: { status: string }[] }).records?.[0]?.status;
    } catch {
      /* not JSON */
    }
    return `${res.status} ${outcome ?? text}`;
  },
  /** one area's value of an indicator (GraphQL), or null when there is none or the read failed */
  async value(base: string, q: { indicator: string; level: string; period: string; area: string }): Promise<number | null> {
    try {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ indicatorValues(indicator: "${q.indicator}", level: ${q.level}, period: "${q.period}", areas: ["${q.area}"]) { value } }` }),
      });
      const body = (await res.json()) as { data?: { indicatorValues: { value: number | null }[] } };
      return body.data?.indicatorValues[0]?.value ?? null;
    } catch {
      return null;
    }
  },
};
