fn main() {
    nnlab_experiments::preprocess::main();
}
