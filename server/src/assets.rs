//! The built site's files: precompressed copies for the big ones, and the service worker that
//! precaches the app shell under a name tied to the build.

use app::screens::account::SignInProblem;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// File types worth compressing ahead of time: the wasm, its JS glue and the CSS.
const PRECOMPRESSED_EXTENSIONS: &[&str] = &["wasm", "js", "css"];
const COMPRESSED_SUFFIXES: &[&str] = &["br", "gz"];

/// The service worker's source; the server fills in the cache name and the file list.
const SERVICE_WORKER_TEMPLATE: &str = include_str!("service_worker.js");

/// Build outputs that no browser asks for: TypeScript declarations wasm-bindgen writes.
const NOT_SERVED_SUFFIXES: &[&str] = &[".d.ts"];

/// The file in which `cargo leptos build --split` lists each split point's chunks.
const SPLIT_MANIFEST_PREFIX: &str = "/pkg/__wasm_split_manifest";

/// Pages the service worker keeps for offline start, besides the site's files and the
/// sign-in page saying that the server could not be reached (which the worker shows when the
/// sign-in form is posted without a network).
const SHELL_PAGES: &[&str] = &["/", "/caseload", "/login"];

/// Writes `name.br` and `name.gz` beside each wasm, JS and CSS file in `pkg_dir` that lacks
/// them, at the highest settings: they are made once per build and served many times.
/// Files are written under a temporary name and renamed, so a request never sees half a file.
pub fn precompress_dir(pkg_dir: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    for path in files_under(pkg_dir)? {
        let compressible = path
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| PRECOMPRESSED_EXTENSIONS.contains(&ext));
        if !compressible {
            continue;
        }
        let stale: Vec<&str> = COMPRESSED_SUFFIXES
            .iter()
            .copied()
            .filter(|suffix| !is_fresh(&with_suffix(&path, suffix), &path))
            .collect();
        if stale.is_empty() {
            // Every start runs this: do not read the big files when their copies are current.
            continue;
        }
        let source = std::fs::read(&path)?;
        for suffix in stale {
            let target = with_suffix(&path, suffix);
            let compressed = match suffix {
                "br" => brotli_max(&source)?,
                _ => gzip_max(&source)?,
            };
            let partial = with_suffix(&path, &format!("{suffix}.partial"));
            std::fs::write(&partial, compressed)?;
            std::fs::rename(&partial, &target)?;
            written += 1;
        }
    }
    Ok(written)
}

fn brotli_max(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 3);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &data[..], &mut out, &params)?;
    Ok(out)
}

fn gzip_max(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data)?;
    encoder.finish()
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn is_fresh(target: &Path, source: &Path) -> bool {
    let modified = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|meta| meta.modified())
            .ok()
    };
    matches!((modified(target), modified(source)), (Some(t), Some(s)) if t >= s)
}

fn is_compressed_copy(path: &Path) -> bool {
    let name = path.to_string_lossy();
    COMPRESSED_SUFFIXES.iter().any(|suffix| {
        name.ends_with(&format!(".{suffix}")) || name.ends_with(&format!(".{suffix}.partial"))
    })
}

/// Every regular file below `dir`, sorted, so that results do not depend on directory order.
fn files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The service worker for the site in `site_root`: it precaches the start page and every
/// file of the site (wasm, JS, CSS, icons, manifest), in a cache named after their contents.
pub fn service_worker_script(site_root: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(env!("CARGO_PKG_VERSION"));
    hasher.update(SERVICE_WORKER_TEMPLATE);
    let mut urls: Vec<String> = SHELL_PAGES.iter().map(|page| (*page).to_owned()).collect();
    urls.push(SignInProblem::Unreachable.page());
    for path in files_under(site_root)? {
        let name = path.to_string_lossy();
        if is_compressed_copy(&path)
            || NOT_SERVED_SUFFIXES
                .iter()
                .any(|suffix| name.ends_with(suffix))
        {
            continue;
        }
        let Ok(relative) = path.strip_prefix(site_root) else {
            continue;
        };
        let url = format!("/{}", relative.to_string_lossy().replace('\\', "/"));
        // The server reads these files (the build's hashes, and which chunks each split
        // point needs); browsers never ask for them.
        if url == "/hash.txt" || url.starts_with(SPLIT_MANIFEST_PREFIX) {
            continue;
        }
        hasher.update(url.as_bytes());
        hasher.update(std::fs::read(&path)?);
        urls.push(url);
    }
    let digest = hasher.finalize();
    let cache_name = format!("lotsa-{}", hex(&digest[..8]));
    let shell = serde_json::to_string(&urls).map_err(std::io::Error::other)?;
    Ok(SERVICE_WORKER_TEMPLATE
        .replace("__LOTSA_CACHE_NAME__", &cache_name)
        .replace("__LOTSA_SHELL__", &shell))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::create_dir_all(dir.path().join("icons")).unwrap();
        std::fs::write(dir.path().join("pkg/lotsa.abc.wasm"), vec![7u8; 50_000]).unwrap();
        std::fs::write(
            dir.path().join("pkg/lotsa.abc.js"),
            "export function hydrate() {}\n".repeat(200),
        )
        .unwrap();
        std::fs::write(dir.path().join("icons/icon-192.png"), [137u8, 80, 78, 71]).unwrap();
        std::fs::write(dir.path().join("manifest.webmanifest"), "{}").unwrap();
        std::fs::write(dir.path().join("pkg/lotsa.abc.d.ts"), "export {}").unwrap();
        // What `--split` adds: a loader, a chunk per split point, and the server's manifest.
        std::fs::write(dir.path().join("pkg/__wasm_split.def.js"), "export {}").unwrap();
        std::fs::write(dir.path().join("pkg/split_caseload_1.ghi.wasm"), [0u8; 8]).unwrap();
        std::fs::write(
            dir.path().join("pkg/__wasm_split_manifest.jkl.json"),
            r#"{"caseload":["split_caseload_1.ghi"]}"#,
        )
        .unwrap();
        dir
    }

    #[test]
    fn precompression_writes_smaller_copies_once() {
        let site = site();
        let pkg = site.path().join("pkg");
        assert_eq!(precompress_dir(&pkg).unwrap(), 8);
        let original = std::fs::metadata(pkg.join("lotsa.abc.wasm")).unwrap().len();
        let brotli = std::fs::read(pkg.join("lotsa.abc.wasm.br")).unwrap();
        assert!((brotli.len() as u64) < original / 10);
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut &brotli[..], &mut decoded).unwrap();
        assert_eq!(decoded, vec![7u8; 50_000]);
        assert_eq!(precompress_dir(&pkg).unwrap(), 0, "fresh copies are kept");
    }

    #[test]
    fn the_service_worker_lists_the_shell_and_follows_the_build() {
        let site = site();
        precompress_dir(&site.path().join("pkg")).unwrap();
        let script = service_worker_script(site.path()).unwrap();
        for url in [
            "\"/\"",
            "\"/pkg/lotsa.abc.wasm\"",
            "\"/pkg/lotsa.abc.js\"",
            "\"/icons/icon-192.png\"",
            "\"/manifest.webmanifest\"",
            "\"/pkg/__wasm_split.def.js\"",
            "\"/pkg/split_caseload_1.ghi.wasm\"",
        ] {
            assert!(script.contains(url), "{url} missing");
        }
        let offline_sign_in = format!("\"{}\"", SignInProblem::Unreachable.page());
        assert_eq!(
            script.matches(&offline_sign_in).count(),
            2,
            "the sign-in page saying so is precached, and shown when its form cannot be posted"
        );
        assert!(
            !script.contains("__wasm_split_manifest"),
            "only the server reads the split manifest"
        );
        assert!(
            !script.contains(".br\""),
            "compressed copies are not precached"
        );
        assert!(!script.contains("__LOTSA_"));

        let cache_name = |script: &str| {
            script
                .lines()
                .find(|line| line.starts_with("const CACHE ="))
                .unwrap()
                .to_owned()
        };
        let before = cache_name(&script);
        assert_eq!(
            before,
            cache_name(&service_worker_script(site.path()).unwrap())
        );
        std::fs::write(site.path().join("pkg/lotsa.abc.js"), "changed").unwrap();
        assert_ne!(
            before,
            cache_name(&service_worker_script(site.path()).unwrap())
        );
    }
}
