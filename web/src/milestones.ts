// Milestones of loading the page, as attributes on <html> (what tests wait for) and as performance
// marks (what the benchmark reads): when the shell is usable, when the editor, the assembler and the
// first assembled program are there.
export type Milestone = 'shell' | 'editor' | 'toolchain' | 'program';

export function reach(milestone: Milestone, value: string): void {
  document.documentElement.dataset[milestone] = value;
  const name = `hotpatch:${milestone}:${value}`;
  if (performance.getEntriesByName(name).length === 0) performance.mark(name);
}
