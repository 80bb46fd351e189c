// What `npm start` takes from ensure-services.sh: the `export NAME=value` lines it prints for a
// shell to eval (the URLs that differ when the services run in Docker), as variables.

/**
 * The variables of the `export NAME=value` lines in `text` (a value's surrounding double quotes
 * dropped); every other line is ignored.
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function readServiceExports(text) {
  /** @type {Record<string, string>} */
  const variables = {};
  for (const line of text.split('\n')) {
    const match = /^export (\w+)=(.*)$/.exec(line);
    if (match) variables[match[1]] = match[2].replace(/^"(.*)"$/, '$1');
  }
  return variables;
}
