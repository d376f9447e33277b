// A PNG of the timeline when the host has a converter: rsvg-convert (Debian
// librsvg2-bin, installed by scripts/setup-host.sh), else ImageMagick's convert.
import { execa } from 'execa';
import { findHostTool } from '../builder/sources/host-tools.ts';

export interface PngResult {
  path?: string;
  /** Which converter made it, or why there is none. */
  note: string;
}

export async function svgToPng(svgPath: string, pngPath: string): Promise<PngResult> {
  const converters: [string, string[]][] = [
    ['rsvg-convert', ['--format=png', '--background-color=white', '--output', pngPath, svgPath]],
    ['convert', ['-background', 'white', '-density', '96', svgPath, pngPath]],
  ];
  const problems: string[] = [];
  for (const [tool, args] of converters) {
    if (!findHostTool(tool)) continue;
    try {
      await execa(tool, args);
      return { path: pngPath, note: `made by ${tool}` };
    } catch (error) {
      problems.push(`${tool}: ${((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split('\n')[0]}`);
    }
  }
  return { note: problems.length ? `no PNG (${problems.join('; ')})` : 'no PNG: install librsvg2-bin (rsvg-convert) or ImageMagick' };
}
