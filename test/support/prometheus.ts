// @ts-expect-error: the parser ships no type declarations.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

interface Sample {
  labels?: Record<string, string>;
  value?: string;
  count?: string;
  sum?: string;
  buckets?: Record<string, string>;
}

interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}

/** /metrics parsed by a Prometheus text-format parser (it throws on malformed input). */
export async function scrape(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const families = (parsePrometheusTextFormat as (text: string) => Family[])(await res.text());
  const byName = new Map(families.map((f) => [f.name, f]));
  const matches = (sample: Sample, labels: Record<string, string>) =>
    Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v);
  return {
    families,
    has: (name: string) => byName.has(name),
    /** The value of a counter or gauge sample with these labels (NaN when absent). */
    value(name: string, labels: Record<string, string> = {}): number {
      const sample = byName.get(name)?.metrics.find((m) => matches(m, labels));
      return Number(sample?.value ?? Number.NaN);
    },
    /** An unlabelled histogram's sample count (0 when absent; the parser merges labelled ones). */
    count(name: string): number {
      return Number(byName.get(name)?.metrics[0]?.count ?? 0);
    },
  };
}
