import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { kernelCommandLine, type BootContext, type Step } from '../context.ts';
import { configRead } from '../../contract/events.ts';
import { effectiveConfigJson } from '../config/effective-config.ts';
import { describeProblem, parseConfig } from '../config/options.ts';
import { describeUserConfigProblem } from '../config/user-config/describe-user-config-problem.ts';
import { mergeUserConfigLayers } from '../config/user-config/merge-user-config.ts';
import { parseUserConfig } from '../config/user-config/parse-user-config.ts';
import { diskConfigPath } from '../config/user-config-sources/disk-config-source.ts';
import { readConfigSources } from '../config/user-config-sources/read-config-sources.ts';
import { printable } from '../logs/printable.ts';

/**
 * Options the boot has acted on before the configuration file can be read: the disk
 * options decide the disk the file may be on, and od.log where the init's lines went
 * from its start. From a file they are reported, not silently ignored.
 */
const readBeforeTheFile = new Map([
  ['od.disk.timeout', 'the DOCKER disk it may be on'],
  ['od.disk.settle', 'the DOCKER disk it may be on'],
  ['od.disk.format', 'the DOCKER disk it may be on'],
  ['od.log', "the init's log, which started before it"],
]);

/** The effective configuration, for people in the console (`cat /run/only-docker/config.json`). */
async function publishEffectiveConfig(ctx: BootContext): Promise<void> {
  try {
    await mkdir(dirname(ctx.paths.effectiveConfig), { recursive: true, mode: 0o755 });
    // 0600: daemon.json may carry registry credentials' hosts, env a proxy's password.
    await writeFile(ctx.paths.effectiveConfig, `${effectiveConfigJson(ctx.config).trimEnd()}\n`, { mode: 0o600 });
  } catch (error) {
    ctx.console.warn(`cannot write ${ctx.paths.effectiveConfig}: ${(error as Error).message}`);
  }
}

/**
 * The configuration file from its sources (the DOCKER disk, a config drive, fw_cfg),
 * merged, under the kernel command line, into ctx.config. After mountDockerDisk, since
 * the disk is one of the sources. A source that cannot be read or parsed is reported and
 * the others still count; a bad key costs only itself.
 */
export const readUserConfig: Step = {
  name: 'readUserConfig',
  required: false,
  async run(ctx) {
    const found = await readConfigSources({
      sys: ctx.sys,
      diskConfigPath: ctx.storage?.mode === 'disk' ? diskConfigPath : null,
    });
    let problems = found.problems.length;
    for (const problem of found.problems) ctx.console.warn(printable(problem.message));
    const layers = found.sources.flatMap(({ text, source }) => {
      const parsed = parseUserConfig(text, source);
      problems += parsed.problems.length;
      for (const problem of parsed.problems) ctx.console.warn(describeUserConfigProblem(problem));
      // A source that could not be parsed at all is not one the configuration came from.
      return parsed.problems.some((p) => p.kind === 'syntax' || p.kind === 'limit') ? [] : [parsed.config];
    });
    const user = mergeUserConfigLayers(layers);
    const { config, problems: optionProblems } = parseConfig(kernelCommandLine(ctx), user);
    // The command line's own problems were reported by readConfig already.
    for (const problem of optionProblems.filter((p) => p.source !== undefined)) {
      problems++;
      ctx.console.warn(describeProblem(problem));
    }
    for (const param of user.od) {
      const what = readBeforeTheFile.get(param.key);
      if (what) ctx.console.warn(printable(`config ${param.source}: ${param.key} comes too late to decide ${what}: put it on the kernel command line`));
    }
    ctx.config = config;
    ctx.console.setDebug(config.debug);
    await publishEffectiveConfig(ctx);
    if (found.sources.length === 0 && problems === 0) return { skipped: 'no configuration file (DOCKER disk, config drive or fw_cfg)' };
    ctx.console.event(configRead(user.sources, problems));
    ctx.console.info(
      printable(
        `configuration from ${user.sources.join(', ') || 'no source that could be read'}: hostname ${config.hostname}, ${user.services.length} service(s), ${user.files.length} file(s)` +
          `${Object.keys(user.docker.daemon).length ? `, daemon.json keys ${Object.keys(user.docker.daemon).join(' ')}` : ''}${problems ? `; ${problems} problem(s) above` : ''}`,
      ),
    );
  },
};
