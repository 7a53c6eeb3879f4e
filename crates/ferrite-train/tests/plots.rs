//! Plots: the figure's data model, and what the written SVG must contain.

mod svg;

use ferrite_autograd::Backward;
use ferrite_tensor::Tensor;
use ferrite_train::{Animator, Axes, Dash, Error, Figure, LegendLoc, Result, Scale, Series, Style, plot};
use svg::{elements, texts};

fn series_lines(svg: &str) -> Vec<svg::Element> {
    elements(svg, "polyline").into_iter().filter(|e| e.attr("class") == Some("series")).collect()
}

fn legend_labels(svg: &str) -> Vec<String> {
    let labels = elements(svg, "text").into_iter().filter(|e| e.attr("class") == Some("legend-label"));
    labels.map(|e| e.text).collect()
}

/// d2l's ReLU figure: `x = arange(-8, 8, 0.1)`, `relu(x)` and its gradient.
#[test]
fn relu_and_its_gradient() -> Result<()> {
    let x = Tensor::arange_step(-8.0, 8.0, 0.1)?.requires_grad_(true)?;
    let y = x.relu()?;
    y.backward_with(&Tensor::ones_like(&x)?)?;
    let grad = x.grad().expect("backward filled x.grad");
    let axes = Axes::new().xlabel("x").ylabel("relu(x)");
    let fig = plot(&x, &[&y, &grad], &["relu", "grad of relu"], axes)?;

    let s = &fig.axes.series;
    assert_eq!(s.len(), 2);
    assert_eq!((s[0].points.len(), s[1].points.len()), (160, 160));
    assert_eq!((s[0].label.as_deref(), s[1].label.as_deref()), (Some("relu"), Some("grad of relu")));
    assert_eq!((s[0].style, s[1].style.dash), (Style::cycle(0), Dash::Dashed));
    for &(x, g) in &s[1].points {
        assert_eq!(g, if x > 0.0 { 1.0 } else { 0.0 }, "relu'({x})");
    }
    assert!(s[0].points.iter().all(|&(x, y)| y == x.max(0.0)));

    let dir = svg::temp_dir("relu");
    fig.save_svg(dir.join("relu.svg"))?;
    let svg = std::fs::read_to_string(dir.join("relu.svg")).expect("the SVG was written");
    let lines = series_lines(&svg);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].attr("data-label"), Some("relu"));
    assert_eq!(lines[1].attr("stroke-dasharray"), Some("5.55,2.40"));
    assert_eq!(lines[0].attr("stroke"), Some("#1f77b4"));
    let (relu, grad) = (lines[0].points(), lines[1].points());
    assert_eq!((relu.len(), grad.len()), (160, 160));
    // Pixels: x increases to the right; y = 0 draws at one height for both lines; larger y is higher.
    assert!(relu.windows(2).all(|w| w[1].0 > w[0].0));
    assert_eq!(relu[0].1, grad[0].1);
    assert!(relu[159].1 < grad[159].1, "relu(7.9) = 7.9 draws above grad = 1");
    // Every point is inside the plot area (the limits fit the data).
    let clip = clip_rect(&svg);
    assert!(
        relu.iter()
            .chain(&grad)
            .all(|&(px, py)| px >= clip.0 && px <= clip.2 && py >= clip.1 && py <= clip.3)
    );

    assert_eq!(legend_labels(&svg), ["relu", "grad of relu"]);
    let all = texts(&svg);
    assert!(all.iter().any(|t| t == "x"), "x label in {all:?}");
    assert!(all.iter().any(|t| t == "relu(x)"), "y label in {all:?}");
    assert!(all.iter().any(|t| t == "-4") && all.iter().any(|t| t == "4"), "x ticks in {all:?}");
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}

/// The clip rectangle (the plot area): left, top, right, bottom.
fn clip_rect(svg: &str) -> (f64, f64, f64, f64) {
    let start = svg.find("<clipPath").expect("a clip path");
    let rect = &elements(&svg[start..], "rect")[0];
    let (x, y) = (rect.num("x"), rect.num("y"));
    (x, y, x + rect.num("width"), y + rect.num("height"))
}

#[test]
fn a_log_axis_is_labelled_with_powers_of_ten() -> Result<()> {
    let xs: Vec<f64> = (0..5).map(f64::from).collect();
    let ys: Vec<f64> = xs.iter().map(|&x| 10f64.powf(x - 3.0)).collect(); // 1e-3 ..= 10
    let fig = plot(&xs, &[&ys], &["train"], Axes::new().ylabel("loss").yscale(Scale::Log))?;
    let svg = fig.to_svg()?;
    let all = texts(&svg);
    for tick in ["10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹"] {
        assert!(all.iter().any(|t| t == tick), "{tick} in {all:?}");
    }
    // Equal ratios draw at equal distances.
    let p = series_lines(&svg)[0].points();
    let steps: Vec<f64> = p.windows(2).map(|w| w[0].1 - w[1].1).collect();
    assert!(steps.iter().all(|s| (s - steps[0]).abs() < 0.02 && *s > 10.0), "{steps:?}");
    Ok(())
}

#[test]
fn values_a_log_axis_cannot_show_are_left_out() -> Result<()> {
    let fig =
        plot(&[1.0, 2.0, 3.0, 4.0], &[&[1.0, 0.0, -1.0, f64::NAN]], &[], Axes::new().yscale(Scale::Log))?;
    let svg = fig.to_svg()?;
    assert_eq!(series_lines(&svg)[0].points().len(), 1);
    assert!(legend_labels(&svg).is_empty(), "unlabelled series have no legend");
    Ok(())
}

#[test]
fn points_outside_the_limits_are_clipped_not_dropped() -> Result<()> {
    let axes = Axes::new().xlim(0.0, 2.0).ylim(0.3, 0.9).legend_loc(LegendLoc::LowerRight);
    let fig = Figure::new(
        axes.series(Series::new(vec![(0.0, 2.0), (1.0, 0.5), (2.0, 0.6)], Style::cycle(0)).label("l")),
    );
    let svg = fig.to_svg()?;
    let line = &series_lines(&svg)[0];
    assert_eq!(line.attr("clip-path"), Some("url(#plot-area)"));
    let (left, top, right, bottom) = clip_rect(&svg);
    let p = line.points();
    assert_eq!(p.len(), 3);
    assert!(p[0].1 < top, "y = 2 lies above ylim's top");
    assert_eq!((p[0].0, p[2].0), (left, right), "xlim maps to the plot area's edges");
    assert!(p[1].1 > top && p[1].1 < bottom);
    // The legend box sits in the lower right corner of the plot area.
    let legend = svg.find("class=\"legend\"").expect("a legend");
    let rect = &elements(&svg[legend..], "rect")[0];
    assert!((rect.num("x") + rect.num("width") - (right - 8.0)).abs() < 0.01);
    assert!((rect.num("y") + rect.num("height") - (bottom - 8.0)).abs() < 0.01);
    Ok(())
}

#[test]
fn the_best_legend_corner_avoids_the_lines() -> Result<()> {
    // A line through the upper right: the legend goes to the upper left.
    let fig = plot(&[0.0, 0.5, 1.0], &[&[0.0, 0.0, 1.0]], &["up"], Axes::new())?;
    let svg = fig.to_svg()?;
    let (left, top, _, _) = clip_rect(&svg);
    let legend = svg.find("class=\"legend\"").expect("a legend");
    let rect = &elements(&svg[legend..], "rect")[0];
    assert_eq!((rect.num("x"), rect.num("y")), (left + 8.0, top + 8.0));
    Ok(())
}

#[test]
fn labels_are_escaped() -> Result<()> {
    let fig = plot(&[0.0, 1.0], &[&[0.0, 1.0]], &["a<b & \"c\""], Axes::new().xlabel("x < 1"))?;
    let svg = fig.to_svg()?;
    assert_eq!(legend_labels(&svg), ["a<b & \"c\""]);
    assert!(texts(&svg).iter().any(|t| t == "x < 1"));
    Ok(())
}

#[test]
fn impossible_figures_are_errors() {
    let bad = |axes: Axes| Figure::new(axes).to_svg().unwrap_err().to_string();
    assert_eq!(bad(Axes::new().xlim(1.0, 1.0)), "Figure::to_svg: xlim (1, 1) must be finite with lo < hi");
    assert_eq!(
        bad(Axes::new().ylim(0.0, f64::NAN)),
        "Figure::to_svg: ylim (0, NaN) must be finite with lo < hi"
    );
    assert_eq!(
        bad(Axes::new().xscale(Scale::Log).xlim(-1.0, 1.0)),
        "Figure::to_svg: xlim (-1, 1) must be positive on a log scale"
    );
    let tiny = Figure::new(Axes::new()).size(10, 10).to_svg().unwrap_err();
    assert!(matches!(tiny, Error::InvalidArgument { func: "Figure::to_svg", .. }), "{tiny}");
    let err = Figure::new(Axes::new())
        .save_svg(std::env::temp_dir().join("no-such-folder-ferrite/x.svg"))
        .unwrap_err();
    assert!(matches!(err, Error::Io { func: "Figure::save_svg", .. }), "{err}");
    assert!(err.to_string().contains("no-such-folder-ferrite"), "{err}");
}

#[test]
fn the_animator_rewrites_its_file_after_every_add() -> Result<()> {
    let dir = svg::temp_dir("animator");
    let path = dir.join("progress.svg");
    let axes = Axes::new().xlabel("epoch").xlim(1.0, 4.0).ylim(0.0, 1.0);
    let mut animator = Animator::new(axes, &["train loss", "train acc", "test acc"]).with_path(&path);
    assert_eq!(animator.path(), Some(path.as_path()));
    for epoch in 1..=4 {
        let e = f64::from(epoch);
        let test = if epoch == 2 { None } else { Some(0.5 + e / 10.0) };
        animator.add(e, [Some(1.0 / e), Some(e / 5.0), test])?;
        let svg = std::fs::read_to_string(&path).expect("the animator wrote its file");
        let counts: Vec<usize> = series_lines(&svg).iter().map(|l| l.points().len()).collect();
        let tested = if epoch >= 2 { epoch - 1 } else { epoch } as usize;
        assert_eq!(counts, [epoch as usize, epoch as usize, tested]);
        assert_eq!(legend_labels(&svg), ["train loss", "train acc", "test acc"]);
        assert!(texts(&svg).iter().any(|t| t == "epoch"));
    }
    let series = &animator.figure().axes.series;
    assert_eq!(series[2].points, vec![(1.0, 0.6), (3.0, 0.8), (4.0, 0.9)]);
    assert_eq!(series[1].style, Style::from_fmt("m--")?);
    let files: Vec<_> =
        std::fs::read_dir(&dir).expect("list").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(files, ["progress.svg"], "no temporary file is left behind");
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
