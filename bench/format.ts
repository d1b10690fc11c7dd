export function figure(name: string, value: number, unit: string, reference?: { name: string; value: number }): string {
  const shown = value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toPrecision(3);
  const ratio = reference ? ` (${(value / reference.value).toFixed(2)}x ${reference.name})` : '';
  return `${name}: ${shown} ${unit}${ratio}`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
