package dev.attn4j.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** The one look of every progress line the CLI draws: ASCII, on stderr, so stdout stays clean for results and JSON. */
final class ProgressBars {
  private ProgressBars() {}

  /** A bar for {@code task}; {@code max < 0} when the total is unknown. Close it when done. */
  static ProgressBar open(String task, long max, String unit) {
    return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
        .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUnit(unit, 1).build();
  }
}
