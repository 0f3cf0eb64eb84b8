fn main() {
    nnlab_experiments::batchnorm::main();
}
