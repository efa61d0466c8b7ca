/**
 * Settings the Functions host resolves itself (host.json `%TASKHUB_NAME%`, the queue trigger's
 * `%SERVICEBUS_QUEUE_NAME%`). A bad value would surface as an obscure host or Durable error long after
 * start-up, or a run stored in an unexpected task hub; checked here so the start-up log names the setting.
 */
type Env = Readonly<Record<string, string | undefined>>;

// Durable Functions (Azure Storage backend): 3-45 letters and digits, starting with a letter; the name
// prefixes the hub's queues, tables and blob containers.
const TASK_HUB = /^[A-Za-z][A-Za-z0-9]{2,44}$/;
// Service Bus queue names: up to 260 letters, digits, '.', '-', '_', '/', starting and ending with a
// letter or digit.
const QUEUE = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,258}[A-Za-z0-9])?$/;

export function hostSettingProblems(env: Env): string[] {
  const problems: string[] = [];
  const taskHub = env.TASKHUB_NAME?.trim() ?? '';
  if (!TASK_HUB.test(taskHub)) {
    problems.push(
      `TASKHUB_NAME: expected 3-45 letters and digits starting with a letter (got ${taskHub === '' ? 'nothing' : `'${taskHub}'`})`,
    );
  }
  const queue = env.SERVICEBUS_QUEUE_NAME?.trim() ?? '';
  if (!QUEUE.test(queue)) {
    problems.push(
      `SERVICEBUS_QUEUE_NAME: expected a Service Bus queue name (letters, digits, '.', '-', '_', '/'; ` +
        `at most 260; letter or digit at both ends) (got ${queue === '' ? 'nothing' : `'${queue}'`})`,
    );
  }
  return problems;
}
