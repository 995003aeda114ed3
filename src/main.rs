fn main() {
    std::process::exit(loneliness::cli::main());
}
