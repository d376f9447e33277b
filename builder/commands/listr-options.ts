// How every command shows its tasks: listr2's tree on a terminal, plain lines in logs
// (CI, a pipe) instead of a redrawn tree; subtasks stay visible; the first failure stops.
export const LISTR_OPTIONS = {
  renderer: 'default',
  fallbackRenderer: 'simple',
  fallbackRendererCondition: () => !process.stdout.isTTY,
  rendererOptions: { collapseSubtasks: false },
  exitOnError: true,
} as const;
