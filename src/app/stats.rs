//! `sockaudit stats`: the kernel's network counters, totals or per-second rates.

use super::error::{AppError, ExitStatus};
use super::inputs::{print, repeat};
use crate::cli::{StatsArgs, StatsFormat};
use crate::collect::live::counters::{CounterError, read_dir, sample_own_namespace};
use crate::model::counters::{CounterSample, HOST_NAMESPACE};
use crate::report::stats::{StatsView, render_json, render_text};
use crate::report::style::Palette;

pub(super) fn run(args: &StatsArgs, color: bool) -> Result<ExitStatus, AppError> {
    let palette = Palette::new(color && args.format == StatsFormat::Text);
    if !args.input.is_empty() {
        return saved(args, palette);
    }
    let sample = || -> Result<CounterSample, AppError> {
        Ok(sample_own_namespace()?.ok_or(CounterError::Unsupported)?)
    };
    let Some(interval) = args.interval else {
        let current = sample()?;
        let view = StatsView {
            source: "live",
            namespace: HOST_NAMESPACE,
            current: &current,
            previous: None,
        };
        print(&render(args, &view, palette, false)?)?;
        return Ok(ExitStatus::Clean);
    };
    // N reports need N + 1 samples: the first one only starts the first interval.
    let mut previous: Option<CounterSample> = None;
    let mut reports: u64 = 0;
    repeat(Some(interval), args.count.map(|n| n + 1), || {
        let current = sample()?;
        if let Some(prev) = previous.take() {
            let view = StatsView {
                source: "live",
                namespace: HOST_NAMESPACE,
                current: &current,
                previous: Some(&prev),
            };
            let text = render(args, &view, palette, true)?;
            if reports > 0 && args.format == StatsFormat::Text {
                print("\n")?;
            }
            print(&text)?;
            reports += 1;
        }
        previous = Some(current);
        Ok(())
    })?;
    Ok(ExitStatus::Clean)
}

/// `--input DIR...`: one directory shows its totals; several show the rates between
/// consecutive ones.
fn saved(args: &StatsArgs, palette: Palette) -> Result<ExitStatus, AppError> {
    let samples = args
        .input
        .iter()
        .map(|dir| Ok((format!("file:{}", dir.display()), read_dir(dir)?)))
        .collect::<Result<Vec<_>, AppError>>()?;
    let repeating = samples.len() > 1;
    let mut out = String::new();
    let pairs: Vec<(Option<&CounterSample>, &(String, CounterSample))> = if repeating {
        samples.windows(2).map(|w| (Some(&w[0].1), &w[1])).collect()
    } else {
        samples.iter().map(|s| (None, s)).collect()
    };
    for (i, (previous, (source, current))) in pairs.into_iter().enumerate() {
        let view = StatsView {
            source,
            namespace: HOST_NAMESPACE,
            current,
            previous,
        };
        if i > 0 && args.format == StatsFormat::Text {
            out.push('\n');
        }
        out.push_str(&render(args, &view, palette, repeating)?);
    }
    print(&out)?;
    Ok(ExitStatus::Clean)
}

fn render(
    args: &StatsArgs,
    view: &StatsView<'_>,
    palette: Palette,
    repeating: bool,
) -> Result<String, AppError> {
    Ok(match args.format {
        StatsFormat::Text => render_text(view, args.all, palette),
        StatsFormat::Json => {
            render_json(view, !repeating).map_err(|e| AppError::Render(e.to_string()))?
        }
    })
}
