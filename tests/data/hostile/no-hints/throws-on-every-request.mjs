// Never answers: every invocation throws, and nothing is ever logged. With no successful
// invocation there are no logs to judge, which must not pass for clean logs.
export const handler = async () => {
  throw new Error('not today');
};
