//! W7: save and load a 25M-parameter state dict (50 tensors of 500x1000 f32) as safetensors,
//! MB/s = bytes of tensor data / t, with the reference's case names.

use crate::input::uniform;
use crate::record::{Record, time_reps};
use ferrite::Result;
use ferrite::serialize::{LoadOptions, SaveOptions, load_with, save_with};

const MB: f64 = 1e6;

pub fn w7_save_load(quick: bool) -> Result<Vec<Record>> {
    let (count, (rows, cols), warmup, reps) =
        if quick { (50, (50, 1000), 1, 2) } else { (50, (500, 1000), 2, 5) };
    let sd = (0..count)
        .map(|i| Ok((format!("t{i:03}"), uniform(&[rows, cols], i as u64)?)))
        .collect::<Result<Vec<_>>>()?;
    let nbytes = (count * rows * cols * 4) as f64;
    let dir = std::env::temp_dir();
    let path = dir.join(format!("ferrite_bench_{}.safetensors", std::process::id()));
    let case = format!("{count}x({rows},{cols}) f32 = {:.0} MB", nbytes / MB);
    let fast = SaveOptions { durable: false };
    let note = "ferrite::serialize (save without fsync, as the reference; load's default maps the file and \
                tensors read it in place, as the reference's mmap backend); file in OS temp dir; each timed \
                load includes dropping what it loaded, as in the reference";
    let bw = |t: &crate::record::Times| ("bandwidth", nbytes / t.median() / MB, "MB/s");

    let t_save = time_reps(warmup, reps, || save_with(&sd, &path, fast))?;
    let t_fsync = time_reps(warmup, reps, || save_with(&sd, &path, SaveOptions::default()))?;
    // Each closure drops what it loaded before the clock stops, as Python frees the result of
    // `load_file(path)` before its timer reads.
    let load =
        |mmap| load_with(&path, LoadOptions { mmap }).and_then(|saved| saved.into_map()).map(|m| m.len());
    let t_load = time_reps(warmup, reps, || load(true))?;
    let t_pread = time_reps(warmup, reps, || load(false))?;
    let t_touch = time_reps(warmup, reps, || -> Result<f64> {
        let mut s = 0.0;
        for (_, t) in load_with(&path, LoadOptions::default())?.into_map()? {
            s += t.sum_all()?.item::<f64>()?;
        }
        Ok(s)
    })?;
    let _ = std::fs::remove_file(&path);
    Ok(vec![
        Record::new("W7_save_load", format!("save {case}"), bw(&t_save), &t_save, note),
        Record::new("W7_save_load", format!("load {case}"), bw(&t_load), &t_load, note),
        Record::new(
            "W7_save_load",
            format!("load pread {case}"),
            bw(&t_pread),
            &t_pread,
            "extra row: eager load, LoadOptions { mmap: false }: each tensor's bytes read (pread) into memory it \
             owns, beside the reference's backend='pread'",
        ),
        Record::new("W7_save_load", format!("load+touch {case}"), bw(&t_touch), &t_touch, note),
        Record::new(
            "W7_save_load",
            format!("save fsync {case}"),
            bw(&t_fsync),
            &t_fsync,
            "extra row: ferrite's default durable save (fsync file and directory); no reference row",
        ),
    ])
}
