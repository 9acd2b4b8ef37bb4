// The Segment write key from where AWS keeps secrets: an SSM SecureString parameter
// (SEGMENT_WRITE_KEY_PARAMETER) or a Secrets Manager secret (SEGMENT_WRITE_KEY_SECRET), read with
// AWS's own SDK clients, so that the key is in neither the function's environment, its template
// nor its logs. The Lambda reads it once per container. No message here ever holds the key, nor
// the value of SEGMENT_WRITE_KEY_PARAMETER or SEGMENT_WRITE_KEY_SECRET: a write key pasted there
// by mistake is a valid-looking name, and its error is logged on every invocation.
import { ConfigError, writeKeySource } from '../../core/config.mjs';

/**
 * One client per service for the container's life, made at the first read.
 * @type {{ ssm?: import('@aws-sdk/client-ssm').SSMClient, secretsManager?: import('@aws-sdk/client-secrets-manager').SecretsManagerClient }}
 */
const clients = {};

/**
 * The write key that `env` names a parameter or secret of, or undefined when it names none (the
 * key is then SEGMENT_WRITE_KEY itself). Rejects with a ConfigError that names the variable, the
 * parameter or secret, and the fix.
 * @param {Record<string, string | undefined>} env
 * @param {{ ssm?: import('@aws-sdk/client-ssm').SSMClient, secretsManager?: import('@aws-sdk/client-secrets-manager').SecretsManagerClient }} [own]
 *   clients to use instead of the default ones (the region and endpoint from the environment)
 * @returns {Promise<string | undefined>}
 */
export async function fetchWriteKey(env, own = {}) {
  const source = writeKeySource(env);
  if (!source) return undefined;
  return 'parameter' in source ? fromParameter(source.parameter, own.ssm) : fromSecret(source.secret, own.secretsManager);
}

/**
 * @param {string} name the parameter's name or ARN
 * @param {import('@aws-sdk/client-ssm').SSMClient} [own]
 */
async function fromParameter(name, own) {
  const { GetParameterCommand, SSMClient } = await import('@aws-sdk/client-ssm');
  const ssm = own ?? (clients.ssm ??= new SSMClient({}));
  const what = 'SEGMENT_WRITE_KEY_PARAMETER names an SSM parameter';
  let parameter;
  try {
    ({ Parameter: parameter } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true })));
  } catch (err) {
    if (/** @type {{ name?: string } | null | undefined} */ (err)?.name === 'ParameterNotFound') {
      throw new ConfigError(`${what} that does not exist in this account and region (${NOT_SHOWN}): it holds a parameter's name, such as /csv2segment/segment-write-key, or its ARN; create that parameter with \`aws ssm put-parameter --name /csv2segment/segment-write-key --type SecureString --value <write key>\``);
    }
    throw new ConfigError(`${what} that could not be read (${describe(err, name, 'SEGMENT_WRITE_KEY_PARAMETER')}): the function's role needs ssm:GetParameter on it, and kms:Decrypt if its key is not aws/ssm`);
  }
  if (parameter?.Type !== 'SecureString') {
    throw new ConfigError(`${what} that is a ${parameter?.Type ?? 'typeless'} parameter: store the write key encrypted, as a SecureString (\`aws ssm put-parameter --name <its name> --type SecureString --overwrite --value <write key>\`)`);
  }
  const key = parameter.Value?.trim();
  if (!key) throw new ConfigError(`${what} that is empty: put the write key of the Segment source in it`);
  return key;
}

/**
 * @param {string} id the secret's name or ARN
 * @param {import('@aws-sdk/client-secrets-manager').SecretsManagerClient} [own]
 */
async function fromSecret(id, own) {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const secretsManager = own ?? (clients.secretsManager ??= new SecretsManagerClient({}));
  const what = 'SEGMENT_WRITE_KEY_SECRET names a secret';
  let value;
  try {
    ({ SecretString: value } = await secretsManager.send(new GetSecretValueCommand({ SecretId: id })));
  } catch (err) {
    if (/** @type {{ name?: string } | null | undefined} */ (err)?.name === 'ResourceNotFoundException') {
      throw new ConfigError(`${what} that does not exist in this account and region (${NOT_SHOWN}): it holds a secret's name, such as csv2segment/segment-write-key, or its ARN; create that secret with \`aws secretsmanager create-secret --name csv2segment/segment-write-key --secret-string <write key>\``);
    }
    throw new ConfigError(`${what} that could not be read (${describe(err, id, 'SEGMENT_WRITE_KEY_SECRET')}): the function's role needs secretsmanager:GetSecretValue on it`);
  }
  if (typeof value !== 'string') throw new ConfigError(`${what} that holds binary data: store the write key as the secret's text`);
  const text = value.trim();
  if (!text.startsWith('{')) {
    if (!text) throw new ConfigError(`${what} that is empty: put the write key of the Segment source in it`);
    return text;
  }
  // A key/value secret (the console's default). JSON.parse's own message quotes the text: not used.
  let fields;
  try {
    fields = JSON.parse(text);
  } catch {
    throw new ConfigError(`${what} that starts with { but is not JSON: store the write key alone, or as {"SEGMENT_WRITE_KEY": "<write key>"}`);
  }
  const key = typeof fields?.SEGMENT_WRITE_KEY === 'string' ? fields.SEGMENT_WRITE_KEY.trim() : '';
  if (!key) throw new ConfigError(`${what} that is a key/value secret without a SEGMENT_WRITE_KEY key: add one whose value is the write key`);
  return key;
}

/** Why the value of the variable is not in a message. */
const NOT_SHOWN = 'its value is not shown, as it may be the write key pasted there by mistake';

/**
 * An SDK error in a line: AWS's answer names the role and the resource, never a value; the
 * resource's name (the variable's value, which may be a write key) is replaced by the variable.
 * @param {any} err what the SDK threw: any value, read field by field with `?.`
 * @param {string} name
 * @param {string} variable
 */
function describe(err, name, variable) {
  const status = err?.$metadata?.httpStatusCode;
  const message = String(err?.message ?? '').replaceAll(name, `<${variable}>`).replaceAll(encodeURIComponent(name), `<${variable}>`).replace(/\s+/g, ' ').slice(0, 300);
  return `${err?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}${message ? `: ${message}` : ''}`;
}
