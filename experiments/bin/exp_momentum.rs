fn main() {
    nnlab_experiments::momentum::main();
}
