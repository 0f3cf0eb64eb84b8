fn main() {
    nnlab_experiments::search::main();
}
